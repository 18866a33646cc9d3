import type { DataSource } from 'typeorm';

interface RawPool {
  query(
    config: string | { text: string; values: unknown[]; name?: string },
    values?: unknown[],
  ): Promise<{ rows: unknown[] }>;
  totalCount?: number;
}

/**
 * Raw SQL straight on the driver's pool, the same way on `pg` and PGlite: no query runner, no
 * ORM bookkeeping, for the statements on hot paths. A `name` makes it a prepared statement on
 * `pg` (parsed once per connection); PGlite has no such cache and ignores it.
 */
export async function queryRows<T>(db: DataSource, sql: string, params: unknown[] = [], name?: string): Promise<T[]> {
  const pool = (db.driver as unknown as { master: RawPool }).master;
  const isPgPool = typeof pool.totalCount === 'number';
  const result =
    isPgPool && name ? await pool.query({ name, text: sql, values: params }) : await pool.query(sql, params);
  return result.rows as T[];
}
