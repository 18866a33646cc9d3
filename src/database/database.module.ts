import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfiguration } from '../config/configuration.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { AsyncCommitPool } from './async-commit-pool.service.js';
import { EmbeddedDataPermissions } from './embedded-data-permissions.service.js';
import { QueueConnections } from './queue-connections.service.js';
import { NotificationListener } from './notification-listener.service.js';

const STARTUP_CONNECT_RETRIES = 3;

/**
 * The DataSource (migrations run at start-up) and the connections beside it. The entities come
 * from the boot files: the database knows no feature.
 */
@Module({})
export class DatabaseModule {
  static forRoot(entities: NonNullable<DataSourceOptions['entities']>): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<AppConfiguration, true>) => ({
            ...buildDataSourceOptions(config.get('database', { infer: true }), entities),
            // A database started together with the service gets a few seconds; an unreachable one
            // stops the start-up soon, with one line, and a supervisor restarts the process.
            retryAttempts: STARTUP_CONNECT_RETRIES,
            retryDelay: 1000,
          }),
        }),
      ],
      providers: [NotificationListener, AsyncCommitPool, QueueConnections, EmbeddedDataPermissions],
      exports: [NotificationListener, AsyncCommitPool, QueueConnections],
    };
  }
}
