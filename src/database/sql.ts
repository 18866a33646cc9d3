import type { DataSource, EntityManager } from 'typeorm';

/**
 * Raw SQL that returns rows the same way on `pg` and PGlite: TypeORM answers UPDATE/DELETE with
 * `[rows, rowCount]` on `pg` but with plain rows on PGlite. Rows are always objects, never arrays,
 * so the pair is unambiguous.
 */
export async function queryRows<T>(
  db: DataSource | EntityManager,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const raw = (await db.query(sql, params)) as unknown;
  if (!Array.isArray(raw)) return [];
  if (raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number') {
    return raw[0] as T[];
  }
  return raw as T[];
}
