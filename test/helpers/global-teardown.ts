import pg from 'pg';

/**
 * Drops every database this run created that is still there: a test file whose hooks failed (or
 * that timed out before its afterAll) must not leave its database behind on the shared server.
 * Jest loads this file outside its module mapper, so it imports nothing relative.
 */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.AQ_TEST_RUN_ID;
  if (process.env.TEST_DB === 'pglite' || !runId) return;
  const client = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test',
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `aq_test_${runId}_%`,
    ]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
