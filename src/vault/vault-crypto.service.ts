import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { VaultError } from './vault.errors.js';
import { VaultKeyring } from './vault-keyring.js';

export const VAULT_KEYRING = Symbol('VAULT_KEYRING');

export interface Envelope {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a fresh 96-bit IV per encryption. The associated data binds a ciphertext to the
 * row it was written for (team and token id), so a copied ciphertext does not decrypt elsewhere.
 */
@Injectable()
export class VaultCryptoService {
  constructor(@Inject(VAULT_KEYRING) private readonly keyring: VaultKeyring | null) {}

  get configured(): boolean {
    return this.keyring !== null;
  }

  get primaryKeyId(): string {
    return this.requireKeyring().primary.id;
  }

  /** The ids of the configured keys (none without a keyring). */
  get keyIds(): string[] {
    return this.keyring?.ids ?? [];
  }

  encrypt(plaintext: Buffer, associatedData: string): Envelope {
    const { id, key } = this.requireKeyring().primary;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId: id, iv, ciphertext, authTag: cipher.getAuthTag() };
  }

  /** Looks up exactly the stored key id, never tries the others; any tampering fails the tag check. */
  decrypt(envelope: Envelope, associatedData: string): Buffer {
    const key = this.requireKeyring().keyFor(envelope.keyId);
    if (!key) throw new VaultError('UNKNOWN_KEY', `Vault key "${envelope.keyId}" is not in VAULT_KEYS`);
    const iv = Buffer.from(envelope.iv);
    const authTag = Buffer.from(envelope.authTag);
    if (iv.length !== IV_BYTES || authTag.length !== TAG_BYTES) {
      throw new VaultError('DECRYPTION_FAILED', 'Stored secret is malformed');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(authTag);
      return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext)), decipher.final()]);
    } catch {
      throw new VaultError('DECRYPTION_FAILED', 'Stored secret failed its integrity check');
    }
  }

  private requireKeyring(): VaultKeyring {
    if (!this.keyring) throw new VaultError('NOT_CONFIGURED', 'Token vault is not configured');
    return this.keyring;
  }
}
