import type { VaultToken } from './entities/vault-token.entity.js';

/** Token metadata as the seed shows it; ciphertext and key ids never leave through here. */
export interface VaultTokenView {
  id: string;
  name: string;
  createdAt?: Date;
  revokedAt?: Date | null;
}

export function toVaultTokenView(token: VaultToken): VaultTokenView {
  return { id: token.id, name: token.name, createdAt: token.createdAt };
}

export function toRevokedVaultTokenView(token: VaultToken): VaultTokenView {
  return { id: token.id, name: token.name, revokedAt: token.revokedAt };
}
