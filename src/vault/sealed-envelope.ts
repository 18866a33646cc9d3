import type { Envelope } from './vault-crypto.service.js';

/**
 * A vault ciphertext as it travels outside the vault before it is opened (binary fields in
 * base64, as JSON carries them): the executor receives its tokens' envelopes with the claim of
 * its tasks, and hands them to VaultService.openSealed() / WebhookSecretService.open() at call time.
 */
export interface SealedEnvelope {
  keyId: string;
  iv: string;
  ciphertext: string;
  authTag: string;
}

export interface SealedToken extends SealedEnvelope {
  id: string;
  /** The token's destination binding (see token-destinations.ts); null: unbound. */
  allowedHosts: string[] | null;
}

export function envelopeOf(sealed: SealedEnvelope): Envelope {
  return {
    keyId: sealed.keyId,
    iv: Buffer.from(sealed.iv, 'base64'),
    ciphertext: Buffer.from(sealed.ciphertext, 'base64'),
    authTag: Buffer.from(sealed.authTag, 'base64'),
  };
}
