import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AddressPolicy } from '../common/net/address-policy.js';
import { VaultModule } from '../vault/vault.module.js';
import { TaskAttempt } from './entities/task-attempt.entity.js';
import { Task } from './entities/task.entity.js';
import { TaskInsertBatcher } from './task-insert-batcher.service.js';
import { TaskQueryService } from './task-query.service.js';
import { TaskStatusWaiter } from './task-status-waiter.service.js';
import { TasksService } from './tasks.service.js';
import { TaskWakeNotifier } from './task-wake-notifier.service.js';
import { TaskRequestValidator } from './validation/task-request.validator.js';

@Module({
  imports: [TypeOrmModule.forFeature([Task, TaskAttempt]), VaultModule],
  providers: [
    TasksService,
    TaskInsertBatcher,
    TaskQueryService,
    TaskStatusWaiter,
    TaskRequestValidator,
    TaskWakeNotifier,
    AddressPolicy,
  ],
  exports: [TasksService, TaskQueryService, AddressPolicy],
})
export class TasksModule {}
