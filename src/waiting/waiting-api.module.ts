import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { TaskCoreModule } from '../tasks/task-core.module.js';
import { CallbacksController } from './callbacks.controller.js';
import { ProvidersController } from './providers.controller.js';
import { SignalsController } from './signals.controller.js';
import { WaitResolutionService } from './wait-resolution.service.js';

/** SPEC §8 routes: signals, provider callbacks and the provider template list. */
@Module({
  imports: [AuthModule, TaskCoreModule],
  controllers: [SignalsController, CallbacksController, ProvidersController],
  providers: [WaitResolutionService],
})
export class WaitingApiModule {}
