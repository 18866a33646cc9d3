import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testDatabaseKind, testRunId, testServerUrl } from './test-env.js';

export interface TestDatabase {
  /** Environment for the service: DATABASE_URL on PostgreSQL, or just DATA_DIR on PGlite. */
  env: Record<string, string>;
  /** Connection string of the fresh database (PostgreSQL only). */
  url?: string;
  dataDir: string;
  drop(): Promise<void>;
}

/**
 * A fresh, empty database per test file: created from TEST_DATABASE_URL and dropped afterwards,
 * or (TEST_DB=pglite) a fresh embedded data directory. The service's own migrations fill it.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aq-test-'));
  if (testDatabaseKind() === 'pglite') {
    const drop = () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true }));
    return { env: { DATA_DIR: dataDir }, dataDir, drop };
  }
  // The run id lets the global teardown find this database if the file never drops it.
  const name = `aq_test_${testRunId()}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testServerUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(testServerUrl());
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), DATA_DIR: dataDir },
    url: url.toString(),
    dataDir,
    drop: async () => {
      const client = new pg.Client({ connectionString: testServerUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
