import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql.js';
import { vaultTokenAad, webhookSecretAad } from './associated-data.js';
import { VaultCryptoService, type Envelope } from './vault-crypto.service.js';
import { VaultError } from './vault.errors.js';

export interface RotationReport {
  primaryKeyId: string;
  rotated: { tokens: number; webhookSecrets: number };
  /**
   * Rows that could not be decrypted (a key id missing from VAULT_KEYS, tampered, or bound to
   * other ids), with the reason; they keep their old key.
   */
  failed: { table: string; id: string; error: string }[];
  remaining: number;
  /**
   * Whether the tables were rewritten afterwards (VACUUM FULL), so the row versions that held the
   * old ciphertext are gone from the database files too, not only from the live rows. False when
   * nothing was rotated, or when the rewrite could not take its lock within LOCK_TIMEOUT.
   */
  compacted: boolean;
}

interface StoredEnvelope {
  id: string;
  team_id: string;
  key_id: string;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  auth_tag: Uint8Array;
}

interface RotationTarget {
  table: 'vault_tokens' | 'webhook_secrets';
  idColumn: 'id' | 'team_id';
  aad: (row: StoredEnvelope) => string;
}

const TARGETS: Record<'tokens' | 'webhookSecrets', RotationTarget> = {
  tokens: {
    table: 'vault_tokens',
    idColumn: 'id',
    aad: (row) => vaultTokenAad(row.team_id, row.id),
  },
  webhookSecrets: {
    table: 'webhook_secrets',
    idColumn: 'team_id',
    aad: (row) => webhookSecretAad(row.team_id),
  },
};

const BATCH_SIZE = 200;
/** The rewrite locks each table briefly; it gives up rather than queue every claim behind a long transaction. */
const LOCK_TIMEOUT = '5s';

/**
 * Re-encrypts every row not under the primary key, a batch at a time. Each row is written back
 * only if it still holds the ciphertext that was read, so it is safe while the service runs.
 */
@Injectable()
export class VaultRotationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly crypto: VaultCryptoService,
  ) {}

  async rotate(): Promise<RotationReport> {
    const primaryKeyId = this.crypto.primaryKeyId;
    const rotated = { tokens: 0, webhookSecrets: 0 };
    const failed: RotationReport['failed'] = [];
    for (const name of ['tokens', 'webhookSecrets'] as const) {
      rotated[name] = await this.rotateTable(TARGETS[name], primaryKeyId, failed);
    }
    const [{ remaining }] = await queryRows<{ remaining: number }>(
      this.db,
      `SELECT ((SELECT count(*) FROM vault_tokens WHERE key_id <> $1)
             + (SELECT count(*) FROM webhook_secrets WHERE key_id <> $1))::int AS remaining`,
      [primaryKeyId],
    );
    const compacted = rotated.tokens + rotated.webhookSecrets > 0 && (await this.compact());
    return { primaryKeyId, rotated, failed, remaining, compacted };
  }

  /**
   * An UPDATE leaves the previous row version (the old ciphertext) in the table file until vacuum,
   * and a plain VACUUM frees its space without overwriting it; VACUUM FULL writes the tables anew.
   * Both are small, so the exclusive lock lasts milliseconds.
   */
  private async compact(): Promise<boolean> {
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      await runner.query(`SET lock_timeout = '${LOCK_TIMEOUT}'`);
      await runner.query('VACUUM FULL vault_tokens, webhook_secrets');
      return true;
    } catch {
      return false;
    } finally {
      await runner.query('RESET lock_timeout').catch(() => undefined);
      await runner.release();
    }
  }

  private async rotateTable(
    target: RotationTarget,
    primaryKeyId: string,
    failed: RotationReport['failed'],
  ): Promise<number> {
    let count = 0;
    let after = '';
    for (;;) {
      const batch = await queryRows<StoredEnvelope>(
        this.db,
        `SELECT ${target.idColumn === 'id' ? 'id' : 'team_id AS id'}, team_id, key_id, iv, ciphertext, auth_tag
         FROM ${target.table} WHERE key_id <> $1 AND ciphertext IS NOT NULL AND ${target.idColumn}::text > $2
         ORDER BY ${target.idColumn} LIMIT ${BATCH_SIZE}`,
        [primaryKeyId, after],
      );
      if (batch.length === 0) return count;
      for (const row of batch) {
        try {
          if (await this.rotateRow(target, row)) count += 1;
        } catch (error) {
          if (!(error instanceof VaultError)) throw error;
          failed.push({ table: target.table, id: row.id, error: error.message });
        }
      }
      after = batch[batch.length - 1].id;
    }
  }

  private async rotateRow(target: RotationTarget, row: StoredEnvelope): Promise<boolean> {
    const stored: Envelope = {
      keyId: row.key_id,
      iv: Buffer.from(row.iv),
      ciphertext: Buffer.from(row.ciphertext),
      authTag: Buffer.from(row.auth_tag),
    };
    const plaintext = this.crypto.decrypt(stored, target.aad(row));
    try {
      const fresh = this.crypto.encrypt(plaintext, target.aad(row));
      const updated = await queryRows<{ id: string }>(
        this.db,
        `UPDATE ${target.table} SET key_id = $2, iv = $3, ciphertext = $4, auth_tag = $5
         WHERE ${target.idColumn}::text = $1 AND key_id = $6 AND ciphertext = $7
         RETURNING ${target.idColumn}::text AS id`,
        [row.id, fresh.keyId, fresh.iv, fresh.ciphertext, fresh.authTag, stored.keyId, stored.ciphertext],
      );
      return updated.length === 1;
    } finally {
      plaintext.fill(0);
    }
  }
}
