import { createHash } from 'node:crypto';
import { base62, randomBase62 } from './secret-tokens.js';

export const API_KEY_PREFIX = 'aq_live_';
const RANDOM_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
const API_KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);
/** Shown in listings so a person can tell keys apart; far too short to be guessed into a key. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 6;

function checksumOf(random: string): string {
  return base62(createHash('sha256').update(random).digest().subarray(0, 4), CHECKSUM_LENGTH);
}

/** `aq_live_` + 256 random bits in base62 + a 6-character checksum that catches typos offline. */
export function generateApiKey(): string {
  const random = randomBase62(256);
  return `${API_KEY_PREFIX}${random}${checksumOf(random)}`;
}

/** Shape and checksum only: a key that fails here never reaches the database. */
export function isWellFormedApiKey(candidate: string): boolean {
  if (!API_KEY_PATTERN.test(candidate)) return false;
  const body = candidate.slice(API_KEY_PREFIX.length);
  return checksumOf(body.slice(0, RANDOM_LENGTH)) === body.slice(RANDOM_LENGTH);
}

export function displayPrefixOf(key: string): string {
  return key.slice(0, DISPLAY_PREFIX_LENGTH);
}
