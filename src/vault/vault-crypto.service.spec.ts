import { randomBytes } from 'node:crypto';
import { VaultCryptoService, type Envelope } from './vault-crypto.service.js';
import { VaultKeyring } from './vault-keyring.js';
import { VaultError } from './vault.errors.js';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('VaultCryptoService', () => {
  const primary = key('k2');
  const older = key('k1');
  const sut = new VaultCryptoService(new VaultKeyring([primary, older]));
  const aad = 'asyncqueue/vault-token/v1/team-a/tok_1';

  it.each([
    ['a one-byte value', 'x'],
    ['unicode', 'ключ-🔑-鍵'],
    ['8 KiB', 'v'.repeat(8192)],
    ['random bytes', randomBytes(64).toString('base64')],
  ])('should round-trip %s', (_name, value) => {
    const envelope = sut.encrypt(Buffer.from(value), aad);
    expect(envelope.keyId).toBe('k2');
    expect(envelope.iv).toHaveLength(12);
    expect(envelope.authTag).toHaveLength(16);
    expect(sut.decrypt(envelope, aad).toString()).toBe(value);
  });

  it('should use a fresh IV for every encryption', () => {
    const a = sut.encrypt(Buffer.from('same'), aad);
    const b = sut.encrypt(Buffer.from('same'), aad);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('should decrypt rows written under an older key of the keyring', () => {
    const old = new VaultCryptoService(new VaultKeyring([older]));
    expect(sut.decrypt(old.encrypt(Buffer.from('legacy'), aad), aad).toString()).toBe('legacy');
  });

  const flip = (buffer: Buffer, index: number) => {
    const copy = Buffer.from(buffer);
    copy[index] ^= 0x01;
    return copy;
  };
  const original = sut.encrypt(Buffer.from('sk-secret-value'), aad);
  const tampered: [string, Envelope, string][] = [
    ['a bit flip in the IV', { ...original, iv: flip(original.iv, 3) }, aad],
    ['a bit flip in the ciphertext', { ...original, ciphertext: flip(original.ciphertext, 0) }, aad],
    ['a bit flip in the tag', { ...original, authTag: flip(original.authTag, 15) }, aad],
    ['a truncated tag', { ...original, authTag: original.authTag.subarray(0, 12) }, aad],
    ['an empty tag', { ...original, authTag: Buffer.alloc(0) }, aad],
    ['a short IV', { ...original, iv: original.iv.subarray(0, 8) }, aad],
    ['a swapped key id', { ...original, keyId: 'k1' }, aad],
    ['a row moved to another team', original, 'asyncqueue/vault-token/v1/team-b/tok_1'],
    ['a row moved to another token', original, 'asyncqueue/vault-token/v1/team-a/tok_2'],
  ];

  it.each(tampered)('should reject %s', (_name, envelope, associatedData) => {
    expect(() => sut.decrypt(envelope, associatedData)).toThrow(VaultError);
  });

  it('should name an unknown key id instead of trying other keys', () => {
    expect(() => sut.decrypt({ ...original, keyId: 'gone' }, aad)).toThrow('Vault key "gone" is not in VAULT_KEYS');
  });

  it('should report "not configured" without a keyring', () => {
    const unconfigured = new VaultCryptoService(null);
    expect(unconfigured.configured).toBe(false);
    expect(() => unconfigured.encrypt(Buffer.from('x'), aad)).toThrow('Token vault is not configured');
  });
});
