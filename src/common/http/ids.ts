import { randomFillSync } from 'node:crypto';
import { validate as uuidValidate } from 'uuid';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/**
 * UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, then 74 random bits. The random bytes come
 * from a pool refilled 400 ids at a time: one getrandom call per id was a measurable share of a
 * task creation.
 */
export function newId(): string {
  if (poolOffset + 10 > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  pool.copy(bytes, 6, poolOffset, poolOffset + 10);
  poolOffset += 10;
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Path ids are checked before they reach SQL: a malformed id is simply "not found". */
export function isUuid(value: string): boolean {
  return uuidValidate(value);
}
