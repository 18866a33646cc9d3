import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { buildConfiguration } from './src/config/configuration.js';
import { readEnvironment } from './src/config/environment.js';
import { ENTITIES } from './src/entities.js';
import { lockEmbeddedDataDirOrExit } from './src/database/data-dir-lock.js';
import { buildDataSourceOptions } from './src/database/data-source-options.js';

const { database } = buildConfiguration(readEnvironment());
lockEmbeddedDataDirOrExit(database);

/** The DataSource the TypeORM CLI uses (`npm run migration:*`), configured like the server. */
export default new DataSource({
  ...buildDataSourceOptions(database, ENTITIES),
  migrationsRun: false,
});
