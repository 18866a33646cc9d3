import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseVaultKey, type AppConfiguration, type VaultKey } from '../config/configuration.js';
import { ensurePrivateDataDir } from '../database/embedded-data-dir.js';

export const DEVELOPMENT_KEY_FILE = 'vault.key';

/** The keys that can decrypt; the first (primary) encrypts. Absent keyring = vault not configured. */
export class VaultKeyring {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: VaultKey[]) {
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  get primary(): VaultKey {
    return this.keys[0];
  }

  keyFor(keyId: string): Buffer | undefined {
    return this.byId.get(keyId);
  }

  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

export interface KeyringLoad {
  keyring: VaultKeyring | null;
  /** Set when a development key was generated or read from DATA_DIR. */
  developmentKeyPath?: string;
}

/**
 * VAULT_KEYS wins. Without it, the embedded default keeps a development key in DATA_DIR/vault.key
 * (created once, mode 0600); a server on DATABASE_URL without VAULT_KEYS has no vault at all.
 */
export function loadKeyring(vault: AppConfiguration['vault']): KeyringLoad {
  if (vault.keys) return { keyring: new VaultKeyring(vault.keys) };
  if (!vault.embedded) return { keyring: null };
  const path = join(vault.dataDir, DEVELOPMENT_KEY_FILE);
  if (!existsSync(path)) {
    ensurePrivateDataDir(vault.dataDir);
    const entry = `dev-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`;
    writeFileSync(path, `${entry}\n`, { mode: 0o600, flag: 'wx' });
  }
  return {
    keyring: new VaultKeyring([parseVaultKey(readFileSync(path, 'utf8').trim())]),
    developmentKeyPath: path,
  };
}
