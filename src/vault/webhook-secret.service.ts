import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { Clock } from '../common/time/clock.js';
import { webhookSecretAad } from './associated-data.js';
import { WebhookSecret } from './entities/webhook-secret.entity.js';
import { VaultCryptoService } from './vault-crypto.service.js';
import { VaultError } from './vault.errors.js';
import { envelopeOf, type SealedEnvelope } from './vault-sql.js';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The team's signing secret for X-AsyncQueue-Signature, encrypted with the vault keyring. */
@Injectable()
export class WebhookSecretService {
  constructor(
    @InjectRepository(WebhookSecret)
    private readonly secrets: Repository<WebhookSecret>,
    private readonly crypto: VaultCryptoService,
    private readonly clock: Clock,
  ) {}

  /** The current secret, created on first use. */
  async get(teamId: string): Promise<string> {
    this.assertConfigured();
    const row = await this.secrets.findOneBy({ teamId });
    if (row) return this.decrypt(row);
    return this.store(teamId, true);
  }

  rotate(teamId: string): Promise<string> {
    this.assertConfigured();
    return this.store(teamId, false);
  }

  /** Secrets of several teams for signing (one query); teams without one are absent. */
  async forTeams(teamIds: string[]): Promise<Map<string, string>> {
    if (!this.crypto.configured || teamIds.length === 0) return new Map();
    const rows = await this.secrets.findBy({
      teamId: In([...new Set(teamIds)]),
    });
    return new Map(rows.map((row) => [row.teamId, this.decrypt(row)]));
  }

  /** Opens an envelope fetched with sealedWebhookSecretOfTask(); null when the team has none. */
  open(teamId: string, sealed: SealedEnvelope | null): string | undefined {
    if (!sealed || !this.crypto.configured) return undefined;
    const plaintext = this.crypto.decrypt(envelopeOf(sealed), webhookSecretAad(teamId));
    try {
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }

  private async store(teamId: string, onlyIfMissing: boolean): Promise<string> {
    const secret = `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const envelope = this.crypto.encrypt(Buffer.from(secret, 'utf8'), webhookSecretAad(teamId));
    const row = this.secrets.create({
      teamId,
      ...envelope,
      createdAt: this.clock.now(),
    });
    const insert = this.secrets.createQueryBuilder().insert().values(row);
    if (onlyIfMissing) {
      await insert.orIgnore().execute();
      // A concurrent first call may have won; everyone then uses the stored one.
      return this.decrypt(await this.secrets.findOneByOrFail({ teamId }));
    }
    await insert.orUpdate(['key_id', 'iv', 'ciphertext', 'auth_tag', 'created_at'], ['team_id']).execute();
    return secret;
  }

  private decrypt(row: WebhookSecret): string {
    const plaintext = this.crypto.decrypt(row, webhookSecretAad(row.teamId));
    try {
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }

  private assertConfigured(): void {
    if (!this.crypto.configured) throw new VaultError('NOT_CONFIGURED', 'Token vault is not configured');
  }
}
