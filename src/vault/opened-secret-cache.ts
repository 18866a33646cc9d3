import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/time/clock.js';
import type { SealedEnvelope } from './sealed-envelope.js';

/** How long an opened secret is kept from the moment it was decrypted (never extended by use). */
export const OPENED_SECRET_TTL_MS = 30_000;
export const OPENED_SECRET_MAX_ENTRIES = 1_000;

interface Entry {
  secret: Buffer;
  expiresAt: number;
}

/**
 * Secrets the executor decrypted in the last OPENED_SECRET_TTL_MS, by the exact envelope they came
 * from. A burst of calls that use the same vault token then decrypts it once instead of once per
 * call (an AES-GCM open was a tenth of the worker's CPU per task in the drain benchmark).
 *
 * Revocation is not weakened: a claim returns envelopes of active tokens only, and openSealed()
 * refuses a reference without one before it looks here. Rotation re-encrypts under a new IV, so a
 * rotated token is a new entry. What changes is how long a plaintext stays in the worker's memory:
 * at most the TTL, after which the copy held here is zeroed.
 */
@Injectable()
export class OpenedSecretCache implements OnModuleDestroy {
  private readonly entries = new Map<string, Entry>();
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly clock: Clock) {}

  /**
   * The plaintext of `sealed` under associated data `aad`: from the cache, or from `decrypt`
   * (which may throw; nothing is cached then). Always a fresh copy the caller owns and zeroes.
   */
  open(aad: string, sealed: SealedEnvelope, decrypt: () => Buffer): Buffer {
    const key = `${aad}\n${sealed.keyId}\n${sealed.iv}\n${sealed.authTag}\n${sealed.ciphertext}`;
    const now = this.clock.now().getTime();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return Buffer.from(cached.secret);
    const secret = decrypt();
    this.forget(key);
    this.entries.set(key, { secret: Buffer.from(secret), expiresAt: now + OPENED_SECRET_TTL_MS });
    this.evictExpired(now);
    while (this.entries.size > OPENED_SECRET_MAX_ENTRIES) this.forget(this.entries.keys().next().value as string);
    this.scheduleSweep();
    return secret;
  }

  get size(): number {
    return this.entries.size;
  }

  onModuleDestroy(): void {
    for (const key of [...this.entries.keys()]) this.forget(key);
    this.stopSweeping();
  }

  /** Entries are in insertion order, which is expiry order: stop at the first live one. */
  private evictExpired(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.forget(key);
    }
  }

  /** An idle worker makes no calls that would evict: a timer zeroes what has expired. */
  private scheduleSweep(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => {
      this.evictExpired(this.clock.now().getTime());
      if (this.entries.size === 0) this.stopSweeping();
    }, OPENED_SECRET_TTL_MS / 3);
    this.sweeper.unref();
  }

  private stopSweeping(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    entry.secret.fill(0);
    this.entries.delete(key);
  }
}
