import type { Response } from 'express';
import { AppError } from '../../common/errors/app-error.js';
import type { RateLimitDecision } from '../../common/access/rate-limit-decision.js';

/** Every limited response carries the window's state; over the limit it is a 429 with Retry-After. */
export function enforceRateLimit(decision: RateLimitDecision, response: Response): void {
  response.setHeader('X-RateLimit-Limit', String(decision.limit));
  response.setHeader('X-RateLimit-Remaining', String(decision.remaining));
  response.setHeader('X-RateLimit-Reset', String(decision.resetAt));
  if (!decision.allowed) {
    throw new AppError('rate_limited', 'Rate limit exceeded', {
      'Retry-After': String(decision.retryAfterSeconds),
    });
  }
}
