import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfiguration } from '../config/configuration.js';
import { makeEmbeddedDatabasePrivate } from './embedded-data-dir.js';

/** Makes the embedded database owner-only once PGlite has written it (injecting the DataSource orders this after). */
@Injectable()
export class EmbeddedDataPermissions implements OnModuleInit {
  private readonly logger = new Logger(EmbeddedDataPermissions.name);

  constructor(
    @InjectDataSource() _opened: DataSource,
    private readonly config: ConfigService<AppConfiguration, true>,
  ) {}

  onModuleInit(): void {
    const { url, dataDir } = this.config.get('database', { infer: true });
    if (url) return;
    const refused = makeEmbeddedDatabasePrivate(dataDir);
    if (refused.length > 0) {
      this.logger.warn(
        `Could not make ${refused.length} path(s) in DATA_DIR owner-only, as another user owns them (e.g. ${refused[0]})`,
      );
    }
  }
}
