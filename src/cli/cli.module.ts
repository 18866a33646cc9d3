import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { AuthModule } from '../auth/auth.module.js';
import { CommonModule } from '../common/common.module.js';
import type { AppConfiguration } from '../config/configuration.js';
import { configNamespaces } from '../config/config.namespaces.js';
import { ENTITIES } from '../entities.js';
import { DatabaseModule } from '../database/database.module.js';
import { VaultModule } from '../vault/vault.module.js';

/** What the admin commands need: the database, teams and keys, the vault. No HTTP, no executor. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfiguration): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: configNamespaces(config),
        }),
        CommonModule,
        DatabaseModule.forRoot(ENTITIES),
        AuthModule,
        VaultModule,
      ],
    };
  }
}
