import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Fails the whole run at once, with the fix, when the PostgreSQL the tests need is not there, and
 * names this run: every database a test file creates carries the run's id, so the teardown can
 * drop whatever a failed or interrupted file left behind. Jest loads this file outside its module
 * mapper, so it imports nothing relative.
 */
export default async function globalSetup(): Promise<void> {
  process.env.AQ_TEST_RUN_ID ??= randomBytes(4).toString('hex');
  if (process.env.TEST_DB === 'pglite') return;
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${url} (${(error as Error).message}). ` +
        'Start it, set TEST_DATABASE_URL, or run the suite on the embedded database with TEST_DB=pglite.',
      { cause: error },
    );
  }
}
