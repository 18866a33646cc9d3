import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { AuthApiModule } from './auth/auth-api.module.js';
import { AuthModule } from './auth/auth.module.js';
import { AccessGuard } from './auth/guards/access.guard.js';
import { RateLimitGuard } from './auth/guards/rate-limit.guard.js';
import { CommonModule } from './common/common.module.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { LoggingModule } from './common/logging/logging.module.js';
import { BodylessRouteGuard } from './common/validation/bodyless-route.guard.js';
import { createValidationPipe } from './common/validation/validation-pipe.factory.js';
import type { AppConfiguration } from './config/configuration.js';
import { configNamespaces } from './config/config.namespaces.js';
import { ENTITIES } from './entities.js';
import { DatabaseModule } from './database/database.module.js';
import { ExecutorModule } from './executor/executor.module.js';
import { HealthModule } from './health/health.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ScheduleRunnerModule } from './schedules/schedule-runner.module.js';
import { SchedulesApiModule } from './schedules/schedules-api.module.js';
import { TasksApiModule } from './tasks/tasks-api.module.js';
import { VaultApiModule } from './vault/vault-api.module.js';
import { WaitingApiModule } from './waiting/waiting-api.module.js';

/**
 * The whole service. API_ENABLED=false leaves out the API routes (health and metrics stay);
 * WORKER_ENABLED=false leaves out the executor, the schedule firing loop and the lifecycle sweeps.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfiguration): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: configNamespaces(config),
        }),
        CommonModule,
        LoggingModule,
        DatabaseModule.forRoot(ENTITIES),
        ScheduleModule.forRoot(),
        HealthModule,
        MetricsModule,
        AuthModule,
        ...(config.http.apiEnabled
          ? [AuthApiModule, VaultApiModule, TasksApiModule, WaitingApiModule, SchedulesApiModule]
          : []),
        ...(config.executor.enabled ? [ExecutorModule, ScheduleRunnerModule, LifecycleModule] : []),
      ],
      providers: [
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_GUARD, useExisting: AccessGuard },
        { provide: APP_GUARD, useExisting: RateLimitGuard },
        { provide: APP_GUARD, useClass: BodylessRouteGuard },
      ],
    };
  }
}
