import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Principal } from '../../common/access/principal.js';
import { enforceRateLimit } from '../rate-limit/rate-limit-response.js';
import { RateLimiterService } from '../rate-limit/rate-limiter.service.js';

/**
 * Runs after AccessGuard: every authenticated request counts against its team's window (API-key
 * authentication has counted it already, in its own statement).
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(private readonly limiter: RateLimiterService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const principal = http.getRequest<Request & { user?: Principal }>().user;
    if (!principal) return true;
    const decision = principal.rateLimit ?? (await this.limiter.consumeForTeam(principal.teamId));
    enforceRateLimit(decision, http.getResponse<Response>());
    return true;
  }
}
