import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql.js';
import { VaultCryptoService } from './vault-crypto.service.js';

/** Refuses to start when stored secrets use a key id that the configured keyring lacks. */
@Injectable()
export class VaultKeyringCheckService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly crypto: VaultCryptoService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.crypto.configured) return;
    const rows = await queryRows<{ key_id: string }>(
      this.db,
      `SELECT DISTINCT key_id FROM vault_tokens UNION SELECT DISTINCT key_id FROM webhook_secrets`,
    );
    const missing = rows.map((r) => r.key_id).filter((keyId) => !this.crypto.canDecryptWith(keyId));
    if (missing.length > 0) {
      throw new Error(
        `Stored vault secrets use key id ${missing.map((k) => `"${k}"`).join(', ')}, which VAULT_KEYS does not contain; add it back to VAULT_KEYS (then run "vault rotate")`,
      );
    }
  }
}
