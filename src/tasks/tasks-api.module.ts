import { Module } from '@nestjs/common';
import { VaultModule } from '../vault/vault.module.js';
import { TaskCoreModule } from './task-core.module.js';
import { TaskQueryService } from './task-query.service.js';
import { TaskStatusWaiter } from './task-status-waiter.service.js';
import { QueuesController } from './queues.controller.js';
import { TaskBulkController } from './task-bulk.controller.js';
import { TaskBulkService } from './task-bulk.service.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';
import { TaskRequestValidator } from './validation/task-request.validator.js';

/** The /v1/tasks routes: creation, reads with long-polling, cancel and retry (one task or by filter). */
@Module({
  imports: [TaskCoreModule, VaultModule],
  controllers: [TaskBulkController, TasksController, QueuesController],
  providers: [TaskBulkService, TasksService, TaskQueryService, TaskStatusWaiter, TaskRequestValidator],
})
export class TasksApiModule {}
