import { Module } from '@nestjs/common';
import { TaskCoreModule } from '../tasks/task-core.module.js';
import { ScheduleRepository } from './persistence/schedule.repository.js';
import { ScheduleFirer } from './schedule-firer.service.js';

/** The schedules table and the firing, without routes or the loop that drives it. */
@Module({
  imports: [TaskCoreModule],
  providers: [ScheduleRepository, ScheduleFirer],
  exports: [ScheduleRepository, ScheduleFirer],
})
export class ScheduleCoreModule {}
