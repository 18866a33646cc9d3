import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql.js';
import { VaultCryptoService } from './vault-crypto.service.js';

/** Rows named one by one at start-up; "vault rotate" lists the rest. */
const MAX_ROWS_NAMED = 100;

const UNREADABLE_ROWS = `
  SELECT 'token' AS kind, id, key_id FROM vault_tokens WHERE key_id <> ALL($1::text[])
  UNION ALL
  SELECT 'webhook secret', team_id::text, key_id FROM webhook_secrets WHERE key_id <> ALL($1::text[])`;

interface UnreadableRow {
  kind: 'token' | 'webhook secret';
  id: string;
  key_id: string;
  total: number;
}

/**
 * Names at start-up every stored secret under a key id that VAULT_KEYS lacks (SPEC §5). Such a
 * row fails only what needs it, so the service starts with a warning per row. When no stored row
 * is readable at all, VAULT_KEYS is almost certainly wrong, and it refuses to start instead of
 * failing every task that uses the vault.
 */
@Injectable()
export class VaultKeyringCheckService implements OnModuleInit {
  private readonly logger = new Logger('Vault');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly crypto: VaultCryptoService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.crypto.configured) return;
    const keyIds = this.crypto.keyIds;
    const missing = await queryRows<{ key_id: string }>(
      this.db,
      `SELECT DISTINCT key_id FROM (${UNREADABLE_ROWS}) unreadable ORDER BY key_id`,
      [keyIds],
    );
    if (missing.length === 0) return;
    if (!(await this.anyReadable(keyIds))) {
      throw new Error(
        `Stored vault secrets use key id ${missing.map((r) => `"${r.key_id}"`).join(', ')}, which VAULT_KEYS does not contain; add it back to VAULT_KEYS (then run "vault rotate")`,
      );
    }
    const rows = await queryRows<UnreadableRow>(
      this.db,
      `SELECT kind, id, key_id, count(*) OVER ()::int AS total FROM (${UNREADABLE_ROWS}) unreadable
       ORDER BY kind, id LIMIT ${MAX_ROWS_NAMED}`,
      [keyIds],
    );
    for (const row of rows) this.logger.warn(warningFor(row));
    const unnamed = rows.length > 0 ? rows[0].total - rows.length : 0;
    if (unnamed > 0) {
      this.logger.warn(
        `${unnamed} more stored vault secrets use a key id missing from VAULT_KEYS; "vault rotate" lists them all`,
      );
    }
  }

  private async anyReadable(keyIds: string[]): Promise<boolean> {
    const [{ readable }] = await queryRows<{ readable: boolean }>(
      this.db,
      `SELECT EXISTS (SELECT 1 FROM vault_tokens WHERE key_id = ANY($1::text[]))
           OR EXISTS (SELECT 1 FROM webhook_secrets WHERE key_id = ANY($1::text[])) AS readable`,
      [keyIds],
    );
    return readable;
  }
}

function warningFor(row: UnreadableRow): string {
  const missing = `is stored under key id "${row.key_id}", which VAULT_KEYS does not contain`;
  return row.kind === 'token'
    ? `Vault token ${row.id} ${missing}: tasks that reference it fail until the key is added back`
    : `Webhook secret of team ${row.id} ${missing}: that team's tasks and completion webhooks fail until the key is added back or the secret is rotated`;
}
