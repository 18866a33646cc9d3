import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import type { AppConfiguration } from '../config/configuration.js';
import { queryRows } from './sql.js';

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
    this.pool = url ? new pg.Pool({ connectionString: url, max: 8, options: '-c synchronous_commit=off' }) : null;
    // An idle connection closed under the pool (restart, failover) is replaced on next use; unheard,
    // the error would end the process.
    this.pool?.on('error', (error) => this.logger.warn(`Async-commit database connection lost: ${error.message}`));
  }

  async query<T>(sql: string, params: unknown[], name: string): Promise<T[]> {
    if (!this.pool) return queryRows<T>(this.db, sql, params, name);
    return (await this.pool.query({ name, text: sql, values: params })).rows as T[];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool?.end();
  }
}
