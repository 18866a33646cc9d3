import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError } from '../../common/errors/app-error.js';
import type { Principal } from '../principal.js';
import { RateLimiterService } from '../rate-limit/rate-limiter.service.js';

/** Runs after AccessGuard: every authenticated request counts against its team's window. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiterService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const principal = http.getRequest<Request & { user?: Principal }>().user;
    if (!principal) return true;
    const decision = await this.limiter.consume(principal.teamId);
    const response = http.getResponse<Response>();
    response.setHeader('X-RateLimit-Limit', String(decision.limit));
    response.setHeader('X-RateLimit-Remaining', String(decision.remaining));
    response.setHeader('X-RateLimit-Reset', String(decision.resetAt));
    if (!decision.allowed) {
      throw new AppError('rate_limited', 'Rate limit exceeded', {
        'Retry-After': String(decision.retryAfterSeconds),
      });
    }
    return true;
  }
}
