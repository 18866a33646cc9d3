import { jest } from '@jest/globals';
import { Clock } from '../common/time/clock.js';
import { OPENED_SECRET_MAX_ENTRIES, OPENED_SECRET_TTL_MS, OpenedSecretCache } from './opened-secret-cache.js';
import type { SealedEnvelope } from './sealed-envelope.js';

class ManualClock extends Clock {
  at = 1_000_000;
  override now(): Date {
    return new Date(this.at);
  }
}

const sealed = (iv: string): SealedEnvelope => ({ keyId: 'k1', iv, ciphertext: 'Y2lwaGVy', authTag: 'dGFn' });

describe('OpenedSecretCache', () => {
  let clock: ManualClock;
  let sut: OpenedSecretCache;
  let decrypts: number;
  const decrypt = () => {
    decrypts += 1;
    return Buffer.from('sk-canary-secret');
  };

  beforeEach(() => {
    clock = new ManualClock();
    sut = new OpenedSecretCache(clock);
    decrypts = 0;
  });

  afterEach(() => sut.onModuleDestroy());

  it('should decrypt an envelope once within the TTL', () => {
    expect(sut.open('aad', sealed('iv1'), decrypt).toString()).toBe('sk-canary-secret');
    clock.at += OPENED_SECRET_TTL_MS - 1;
    expect(sut.open('aad', sealed('iv1'), decrypt).toString()).toBe('sk-canary-secret');
    expect(decrypts).toBe(1);
  });

  it('should hand out copies, so a caller zeroing its secret leaves the next caller intact', () => {
    sut.open('aad', sealed('iv1'), decrypt).fill(0);
    const again = sut.open('aad', sealed('iv1'), decrypt);
    again.fill(0);
    expect(sut.open('aad', sealed('iv1'), decrypt).toString()).toBe('sk-canary-secret');
  });

  it('should decrypt again once the TTL has passed, however often the secret was used', () => {
    sut.open('aad', sealed('iv1'), decrypt);
    clock.at += OPENED_SECRET_TTL_MS / 2;
    sut.open('aad', sealed('iv1'), decrypt);
    clock.at += OPENED_SECRET_TTL_MS / 2;
    sut.open('aad', sealed('iv1'), decrypt);
    expect(decrypts).toBe(2);
  });

  it('should treat another envelope or other associated data as another secret', () => {
    sut.open('aad', sealed('iv1'), decrypt);
    sut.open('aad', sealed('iv2'), decrypt);
    sut.open('other-team', sealed('iv1'), decrypt);
    sut.open('aad', { ...sealed('iv1'), keyId: 'k2' }, decrypt);
    expect(decrypts).toBe(4);
  });

  it('should cache nothing when decryption fails', () => {
    const failing = () => {
      throw new Error('integrity check failed');
    };
    expect(() => sut.open('aad', sealed('iv1'), failing)).toThrow('integrity check failed');
    expect(sut.size).toBe(0);
  });

  it('should keep at most the maximum number of secrets, dropping the oldest', () => {
    for (let i = 0; i <= OPENED_SECRET_MAX_ENTRIES; i += 1) sut.open('aad', sealed(`iv${i}`), decrypt);
    expect(sut.size).toBe(OPENED_SECRET_MAX_ENTRIES);
    sut.open('aad', sealed('iv0'), decrypt);
    expect(decrypts).toBe(OPENED_SECRET_MAX_ENTRIES + 2);
  });

  it('should zero expired secrets even when nothing else is opened', () => {
    jest.useFakeTimers();
    try {
      const idle = new OpenedSecretCache(clock);
      idle.open('aad', sealed('iv1'), decrypt);
      clock.at += OPENED_SECRET_TTL_MS;
      jest.advanceTimersByTime(OPENED_SECRET_TTL_MS);
      expect(idle.size).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
