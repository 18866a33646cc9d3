import type { VaultToken } from './entities/vault-token.entity.js';

/** Token metadata as the seed shows it; ciphertext and key ids never leave through here. */
export class VaultTokenView {
  /** @example 'tok_01jrx7m2k9d3q8v6c5b4a3z2y1' */
  id: string;
  /** @example 'Example API key' */
  name: string;
  createdAt: Date;
  /** Hosts the secret may be sent to; null when the token is unbound. */
  allowedHosts: string[] | null;
}

/** A token after revocation: its ciphertext is gone, the id and name stay. */
export class RevokedVaultTokenView {
  /** @example 'tok_01jrx7m2k9d3q8v6c5b4a3z2y1' */
  id: string;
  /** @example 'Example API key' */
  name: string;
  revokedAt: Date | null;
}

export class VaultTokenResponse {
  token: VaultTokenView;
}

export class VaultTokenListResponse {
  /** Active tokens, oldest first. */
  tokens: VaultTokenView[];
}

export class RevokedVaultTokenResponse {
  token: RevokedVaultTokenView;
}

export class WebhookSecretResponse {
  /**
   * The signing secret of X-AsyncQueue-Signature.
   * @example 'whsec_4f1c2b0e9a8d7c6b5a4f3e2d1c0b9a8f'
   */
  webhookSecret: string;
}

export function toVaultTokenView(token: VaultToken): VaultTokenView {
  return { id: token.id, name: token.name, createdAt: token.createdAt, allowedHosts: token.allowedHosts ?? null };
}

export function toRevokedVaultTokenView(token: VaultToken): RevokedVaultTokenView {
  return { id: token.id, name: token.name, revokedAt: token.revokedAt };
}
