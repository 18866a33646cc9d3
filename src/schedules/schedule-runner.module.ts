import { Module } from '@nestjs/common';
import { ScheduleCoreModule } from './schedule-core.module.js';
import { ScheduleLoop } from './schedule-loop.service.js';

/** The firing loop; part of the worker role (WORKER_ENABLED), see ScheduleLoop. */
@Module({
  imports: [ScheduleCoreModule],
  providers: [ScheduleLoop],
})
export class ScheduleRunnerModule {}
