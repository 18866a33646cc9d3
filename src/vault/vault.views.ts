import type { VaultToken } from './entities/vault-token.entity.js';

/** Token metadata as the seed shows it; ciphertext and key ids never leave through here. */
export interface VaultTokenView {
  id: string;
  name: string;
  createdAt?: Date;
  /** Hosts the secret may be sent to; null when the token is unbound. */
  allowedHosts?: string[] | null;
  revokedAt?: Date | null;
}

export function toVaultTokenView(token: VaultToken): VaultTokenView {
  return { id: token.id, name: token.name, createdAt: token.createdAt, allowedHosts: token.allowedHosts ?? null };
}

export function toRevokedVaultTokenView(token: VaultToken): VaultTokenView {
  return { id: token.id, name: token.name, revokedAt: token.revokedAt };
}
