import type { DataSource } from 'typeorm';

/** One open transaction: statements run on its connection, in order. */
export interface Transaction {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * Runs `work` in a transaction on one connection of the DataSource: committed when it resolves,
 * rolled back when it throws (or when the process dies, as PostgreSQL ends the session). Keep it
 * short: no HTTP call, nothing that waits on anything but the database.
 */
export function inTransaction<T>(db: DataSource, work: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (manager) => {
    const runner = manager.queryRunner;
    if (!runner) throw new Error('A transaction without a query runner');
    return work({
      query: async <R>(sql: string, params: unknown[] = []) => (await runner.query(sql, params, true)).records as R[],
    });
  });
}
