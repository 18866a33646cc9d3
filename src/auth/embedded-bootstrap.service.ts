import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfiguration } from '../config/configuration.js';
import { TeamsService } from './teams.service.js';

/**
 * On the embedded default only: the first start of an empty database creates team `default` and
 * prints its key once on stdout (not through the logger, whose lines may be shipped elsewhere).
 * Called once the server listens: a start that fails (a port already taken) must not use up the
 * only showing of the key.
 */
@Injectable()
export class EmbeddedBootstrapService {
  private readonly logger = new Logger(EmbeddedBootstrapService.name);

  constructor(
    private readonly teams: TeamsService,
    private readonly config: ConfigService<AppConfiguration, true>,
  ) {}

  async createDefaultTeamIfEmpty(): Promise<void> {
    if (!this.config.get('auth', { infer: true }).embedded) return;
    if ((await this.teams.count()) > 0) return;
    const { team, key } = await this.teams.create('default');
    this.logger.log(`Created team "default" (${team.id}) on the empty embedded database`);
    process.stdout.write(`\nAsyncQueue: created team "default". Its API key is shown only this once:\n\n  ${key}\n\n`);
  }
}
