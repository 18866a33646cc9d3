import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { Clock } from '../common/time/clock.js';
import { webhookSecretAad } from './associated-data.js';
import { WebhookSecret } from './entities/webhook-secret.entity.js';
import { VaultCryptoService } from './vault-crypto.service.js';
import { VaultError } from './vault.errors.js';
import { OpenedSecretCache } from './opened-secret-cache.js';
import { envelopeOf, type SealedEnvelope } from './sealed-envelope.js';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** A stored secret under a key id missing from VAULT_KEYS (or tampered with); rotating replaces it. */
export const UNREADABLE_WEBHOOK_SECRET =
  "The team's webhook secret cannot be read with the configured VAULT_KEYS; replace it with POST /v1/webhook-secret/rotate";

/** The team's signing secret for X-AsyncQueue-Signature, encrypted with the vault keyring. */
@Injectable()
export class WebhookSecretService {
  constructor(
    @InjectRepository(WebhookSecret)
    private readonly secrets: Repository<WebhookSecret>,
    private readonly crypto: VaultCryptoService,
    private readonly clock: Clock,
    private readonly opened: OpenedSecretCache,
  ) {}

  /** The current secret, created on first use. */
  async get(teamId: string): Promise<string> {
    this.assertConfigured();
    const row = await this.secrets.findOneBy({ teamId });
    if (!row) return this.store(teamId, true);
    try {
      return this.decrypt(row);
    } catch (error) {
      if (error instanceof VaultError) throw new AppError('conflict', UNREADABLE_WEBHOOK_SECRET);
      throw error;
    }
  }

  rotate(teamId: string): Promise<string> {
    this.assertConfigured();
    return this.store(teamId, false);
  }

  /**
   * Secrets of several teams for signing (one query); teams without one are absent, a team whose
   * secret cannot be read maps to null, so one such row holds up no other team.
   */
  async forTeams(teamIds: string[]): Promise<Map<string, string | null>> {
    if (!this.crypto.configured || teamIds.length === 0) return new Map();
    const rows = await this.secrets.findBy({
      teamId: In([...new Set(teamIds)]),
    });
    return new Map(rows.map((row) => [row.teamId, this.decryptOrNull(row)]));
  }

  /** Opens an envelope fetched with sealedWebhookSecretOfTask(); undefined when the team has none. */
  open(teamId: string, sealed: SealedEnvelope | null): string | undefined {
    if (!sealed || !this.crypto.configured) return undefined;
    const aad = webhookSecretAad(teamId);
    let plaintext: Buffer;
    try {
      plaintext = this.opened.open(aad, sealed, () => this.crypto.decrypt(envelopeOf(sealed), aad));
    } catch (error) {
      if (error instanceof VaultError) throw new VaultError(error.code, UNREADABLE_WEBHOOK_SECRET);
      throw error;
    }
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

  private decryptOrNull(row: WebhookSecret): string | null {
    try {
      return this.decrypt(row);
    } catch (error) {
      if (error instanceof VaultError) return null;
      throw error;
    }
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
