import type { RateLimitDecision } from './rate-limit-decision.js';
import type { Scope } from './scopes.js';

/** Who is calling: resolved once per request by the access guard. */
export interface Principal {
  teamId: string;
  kind: 'api_key' | 'oauth';
  scopes: readonly Scope[];
  apiKeyId?: string;
  clientId?: string;
  /** Set when authentication already counted this request against the team's window. */
  rateLimit?: RateLimitDecision;
}
