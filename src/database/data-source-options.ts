import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import type { AppConfiguration } from '../config/configuration.js';
import { EMBEDDED_DATABASE_DIR, ensurePrivateDataDir } from './embedded-data-dir.js';
import { MIGRATIONS } from './migrations/index.js';

/** PostgreSQL through `pg` when DATABASE_URL is set, otherwise PGlite persisted in DATA_DIR/pgdata. */
export function buildDataSourceOptions(
  database: AppConfiguration['database'],
  entities: NonNullable<DataSourceOptions['entities']>,
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: false,
  };
  if (database.url) {
    return { ...common, url: database.url, extra: { max: 20 } };
  }
  ensurePrivateDataDir(database.dataDir);
  const dataDir = join(database.dataDir, EMBEDDED_DATABASE_DIR);
  return { ...common, driver: new PGliteDriver({ dataDir }).driver };
}
