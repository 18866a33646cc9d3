import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfiguration } from '../config/configuration.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { AsyncCommitPool } from './async-commit-pool.service.js';
import { EmbeddedDataPermissions } from './embedded-data-permissions.service.js';
import { QueueConnections } from './queue-connections.service.js';
import { NotificationListener } from './notification-listener.service.js';

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfiguration, true>) =>
        buildDataSourceOptions(config.get('database', { infer: true })),
    }),
  ],
  providers: [NotificationListener, AsyncCommitPool, QueueConnections, EmbeddedDataPermissions],
  exports: [NotificationListener, AsyncCommitPool, QueueConnections],
})
export class DatabaseModule {}
