import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TaskCoreModule } from '../tasks/task-core.module.js';
import { LifecycleSweeper } from './lifecycle-sweeper.service.js';

/** The data lifecycle sweeps; part of the worker role (WORKER_ENABLED), see LifecycleSweeper. */
@Module({
  imports: [TaskCoreModule, AuthModule],
  providers: [LifecycleSweeper],
})
export class LifecycleModule {}
