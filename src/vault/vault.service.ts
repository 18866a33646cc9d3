import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { Clock } from '../common/time/clock.js';
import { queryRows } from '../database/sql.js';
import { vaultTokenAad } from './associated-data.js';
import { VaultToken } from './entities/vault-token.entity.js';
import { VaultCryptoService } from './vault-crypto.service.js';
import { OpenedSecretCache } from './opened-secret-cache.js';
import { envelopeOf, type SealedToken } from './sealed-envelope.js';
import { bindingAdmits, hostNotAllowedMessage, normaliseAllowedHosts } from './token-destinations.js';
import { VaultError } from './vault.errors.js';
import { isVaultTokenId, newVaultTokenId } from './vault-token-id.js';

const TOKEN_NOT_FOUND = 'Token not found or already revoked';

@Injectable()
export class VaultService {
  constructor(
    @InjectRepository(VaultToken)
    private readonly tokens: Repository<VaultToken>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly crypto: VaultCryptoService,
    private readonly clock: Clock,
    private readonly opened: OpenedSecretCache,
  ) {}

  get configured(): boolean {
    return this.crypto.configured;
  }

  /** `allowedHosts` must have passed allowedHostsProblem(); null leaves the token unbound. */
  async create(teamId: string, name: string, value: string, allowedHosts: string[] | null = null): Promise<VaultToken> {
    const id = newVaultTokenId();
    const plaintext = Buffer.from(value, 'utf8');
    try {
      const envelope = this.crypto.encrypt(plaintext, vaultTokenAad(teamId, id));
      const token = this.tokens.create({
        id,
        teamId,
        name,
        ...envelope,
        allowedHosts: allowedHosts === null ? null : normaliseAllowedHosts(allowedHosts),
        createdAt: this.clock.now(),
        revokedAt: null,
      });
      await this.tokens.insert(token);
      return token;
    } finally {
      plaintext.fill(0);
    }
  }

  listActive(teamId: string): Promise<VaultToken[]> {
    this.assertConfigured();
    return this.tokens.find({
      select: { id: true, name: true, createdAt: true, allowedHosts: true },
      where: { teamId, revokedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Revokes the token and destroys its sealed secret in the same statement: nothing is left to decrypt. */
  async revoke(teamId: string, id: string): Promise<VaultToken> {
    this.assertConfigured();
    if (!isVaultTokenId(id)) throw new VaultError('TOKEN_NOT_FOUND', TOKEN_NOT_FOUND);
    const [row] = await queryRows<{
      id: string;
      name: string;
      revoked_at: Date;
    }>(
      this.db,
      `UPDATE vault_tokens SET revoked_at = $3, key_id = NULL, iv = NULL, ciphertext = NULL, auth_tag = NULL
       WHERE id = $1 AND team_id = $2 AND revoked_at IS NULL
       RETURNING id, name, revoked_at`,
      [id, teamId, this.clock.now()],
    );
    if (!row) throw new VaultError('TOKEN_NOT_FOUND', TOKEN_NOT_FOUND);
    return this.tokens.create({
      id: row.id,
      name: row.name,
      revokedAt: row.revoked_at,
    });
  }

  /** The bindings (allowed hosts, null: unbound) of those of `ids` that are active tokens of this team. */
  async activeBindings(teamId: string, ids: string[]): Promise<Map<string, string[] | null>> {
    this.assertConfigured();
    const wellFormed = ids.filter((id) => isVaultTokenId(id));
    const active = wellFormed.length
      ? await queryRows<{ id: string; allowedHosts: string[] | null }>(
          this.db,
          `SELECT id, allowed_hosts AS "allowedHosts" FROM vault_tokens
           WHERE team_id = $1 AND id = ANY($2::text[]) AND revoked_at IS NULL`,
          [teamId, wellFormed],
          'aq_vault_active_bindings',
        )
      : [];
    return new Map(active.map((token) => [token.id, token.allowedHosts]));
  }

  /**
   * The secret of an active token of this team, for the executor only. The caller owns the Buffer
   * and must zero it (`fill(0)`) once the request is sent.
   */
  async resolve(teamId: string, id: string): Promise<Buffer> {
    const [secret] = (await this.resolveMany(teamId, [id])).values();
    return secret;
  }

  /** resolve() for several ids with one query; throws TOKEN_REVOKED naming the first unusable id. */
  async resolveMany(teamId: string, ids: string[]): Promise<Map<string, Buffer>> {
    this.assertConfigured();
    const wellFormed = [...new Set(ids)].filter((id) => isVaultTokenId(id));
    const sealed = wellFormed.length
      ? await queryRows<SealedToken>(
          this.db,
          `SELECT id, key_id AS "keyId", encode(iv, 'base64') AS iv, encode(ciphertext, 'base64') AS ciphertext,
                  encode(auth_tag, 'base64') AS "authTag", allowed_hosts AS "allowedHosts"
           FROM vault_tokens WHERE team_id = $1 AND id = ANY($2::text[]) AND revoked_at IS NULL`,
          [teamId, wellFormed],
          'aq_vault_sealed',
        )
      : [];
    return this.openSealed(teamId, ids, sealed);
  }

  /**
   * The secrets of `ids` from envelopes fetched beforehand (see vault-sql.ts), for the executor
   * just before its call; same contract as resolveMany(). A referenced id with no envelope was
   * revoked (or never was this team's). With `destinationHost`, a token bound to other hosts
   * fails with HOST_NOT_ALLOWED before anything is decrypted.
   */
  openSealed(teamId: string, ids: string[], sealed: SealedToken[], destinationHost?: string): Map<string, Buffer> {
    this.assertConfigured();
    const byId = new Map(sealed.map((token) => [token.id, token]));
    const revoked = ids.find((id) => !byId.has(id));
    if (revoked) throw new VaultError('TOKEN_REVOKED', `Vault token "${revoked}" was revoked`);
    if (destinationHost !== undefined) {
      const refused = ids.find((id) => !bindingAdmits(byId.get(id)?.allowedHosts ?? null, destinationHost));
      if (refused) throw new VaultError('HOST_NOT_ALLOWED', hostNotAllowedMessage(refused, destinationHost));
    }
    const secrets = new Map<string, Buffer>();
    try {
      for (const id of new Set(ids)) secrets.set(id, this.open(teamId, byId.get(id) as SealedToken));
    } catch (error) {
      for (const secret of secrets.values()) secret.fill(0);
      throw error;
    }
    return secrets;
  }

  /** Names the token when its row cannot be read (a key id missing from VAULT_KEYS, tampering). */
  private open(teamId: string, token: SealedToken): Buffer {
    const aad = vaultTokenAad(teamId, token.id);
    try {
      return this.opened.open(aad, token, () => this.crypto.decrypt(envelopeOf(token), aad));
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      throw new VaultError(error.code, `Vault token "${token.id}" cannot be read: ${error.message}`);
    }
  }

  private assertConfigured(): void {
    if (!this.crypto.configured) throw new VaultError('NOT_CONFIGURED', 'Token vault is not configured');
  }
}
