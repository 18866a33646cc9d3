import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type pg from 'pg';
import type { DataSource } from 'typeorm';
import type { AppConfiguration } from '../config/configuration.js';
import { openSidePool, querySidePool } from './side-pool.js';

/**
 * Connections with PostgreSQL's asynchronous commit (`synchronous_commit = off`), for writes whose
 * loss in a database crash is harmless: rate-limit counters. Their commit does not wait for the
 * WAL flush. Nothing that a client was promised (tasks, outcomes, keys, secrets) may be written
 * here. (Task claims have their own such connection: QueueConnections.)
 * On the embedded database there is only one connection, so this is the ordinary one.
 */
@Injectable()
export class AsyncCommitPool implements OnApplicationShutdown {
  private readonly logger = new Logger(AsyncCommitPool.name);
  private readonly pool: pg.Pool | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    config: ConfigService<AppConfiguration, true>,
  ) {
    const url = config.get('database', { infer: true }).url;
    this.pool = openSidePool(url, 8, '-c synchronous_commit=off', this.logger);
  }

  query<T>(sql: string, params: unknown[], name: string): Promise<T[]> {
    return querySidePool<T>(this.pool, this.db, sql, params, name);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end();
  }
}
