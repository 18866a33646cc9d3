import { Module } from '@nestjs/common';
import { TaskRequestValidator } from '../tasks/validation/task-request.validator.js';
import { VaultModule } from '../vault/vault.module.js';
import { ScheduleCoreModule } from './schedule-core.module.js';
import { SchedulesController } from './schedules.controller.js';
import { SchedulesService } from './schedules.service.js';

/** The /v1/schedules routes. */
@Module({
  imports: [ScheduleCoreModule, VaultModule],
  controllers: [SchedulesController],
  providers: [SchedulesService, TaskRequestValidator],
})
export class SchedulesApiModule {}
