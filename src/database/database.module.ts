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
          useFactory: (config: ConfigService<AppConfiguration, true>) =>
            buildDataSourceOptions(config.get('database', { infer: true }), entities),
        }),
      ],
      providers: [NotificationListener, AsyncCommitPool, QueueConnections, EmbeddedDataPermissions],
      exports: [NotificationListener, AsyncCommitPool, QueueConnections],
    };
  }
}
