import { randomBase62 } from '../../auth/credentials/secret-tokens.js';

/** One-time credential for POST /v1/signals/{token}: shown once at creation, stored as a SHA-256 hash. */
const SIGNAL_TOKEN_PREFIX = 'aq_sig_';
const SIGNAL_TOKEN = /^aq_sig_[0-9A-Za-z]{43}$/;

export function newSignalToken(): string {
  return `${SIGNAL_TOKEN_PREFIX}${randomBase62(256)}`;
}

/** Anything else cannot have been issued, so it is refused without a query. */
export function isSignalToken(value: string): boolean {
  return SIGNAL_TOKEN.test(value);
}
