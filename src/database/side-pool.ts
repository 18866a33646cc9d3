import type { Logger } from '@nestjs/common';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { queryRows } from './sql.js';

/**
 * A pg pool of its own beside TypeORM's, for statements that need different session settings.
 * An idle connection closed under it (restart, failover) is replaced on next use, so the error is
 * only logged: unheard, it would end the process. Null on the embedded database.
 * Its few connections (at most `max`) stay open while idle: closing them after pg's default 10 s
 * would make the first statement after a quiet spell pay for a new connection (and its prepared
 * statements).
 */
export function openSidePool(url: string | undefined, max: number, options: string, logger: Logger): pg.Pool | null {
  if (!url) return null;
  const pool = new pg.Pool({ connectionString: url, max, options, idleTimeoutMillis: 0 });
  pool.on('error', (error) => logger.warn(`Database connection lost: ${error.message}`));
  return pool;
}

/** A named (prepared) statement on the side pool, or on the ordinary connection when there is none. */
export async function querySidePool<T>(
  pool: pg.Pool | null,
  db: DataSource,
  sql: string,
  params: unknown[],
  name: string,
): Promise<T[]> {
  if (!pool) return queryRows<T>(db, sql, params, name);
  return (await pool.query({ name, text: sql, values: params })).rows as T[];
}

/** Opens one connection of the pool now rather than on its first statement. */
export async function connectSidePool(pool: pg.Pool | null): Promise<void> {
  if (pool) (await pool.connect()).release();
}
