/** Where a request stands in its team's rate-limit window (SPEC §3). */
export interface RateLimitDecision {
  limit: number;
  remaining: number;
  /** Unix seconds at which the current window ends. */
  resetAt: number;
  retryAfterSeconds: number;
  allowed: boolean;
}
