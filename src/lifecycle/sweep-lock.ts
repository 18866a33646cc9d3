import type { DataSource } from 'typeorm';

/** Arbitrary but fixed: the advisory lock every AsyncQueue process takes before sweeping. */
const SWEEP_LOCK_KEY = 0x41515357;

/**
 * Lets one process at a time run the sweeps. The lock is a PostgreSQL session advisory lock held on
 * a connection of its own for the length of a pass, with no transaction open: the sweep statements
 * run on the pool, each its own short transaction. A process that dies loses its connection, and so
 * the lock. The embedded database (PGlite) serves one process only, so it needs no lock.
 */
export class SweepLock {
  constructor(
    private readonly db: DataSource,
    private readonly embedded: boolean,
  ) {}

  /** Runs `work` holding the lock and returns its result, or returns null at once if another process holds it. */
  async withLock<T>(work: () => Promise<T>): Promise<T | null> {
    if (this.embedded) return work();
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [SWEEP_LOCK_KEY])) as {
        locked: boolean;
      }[];
      if (!locked) return null;
      try {
        return await work();
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [SWEEP_LOCK_KEY]);
      }
    } finally {
      await runner.release();
    }
  }
}
