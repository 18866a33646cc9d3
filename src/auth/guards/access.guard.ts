import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { IS_PUBLIC_KEY } from '../../common/access/public.decorator.js';
import { AppError } from '../../common/errors/app-error.js';
import { ApiKeysService } from '../api-keys.service.js';
import { BearerStrategy } from '../bearer.strategy.js';
import { API_KEY_ONLY_KEY, REQUIRED_SCOPES_KEY } from '../../common/access/require-scopes.decorator.js';
import type { Principal } from '../../common/access/principal.js';
import type { Scope } from '../../common/access/scopes.js';

type AuthenticatedRequest = Request & { user?: Principal };

/**
 * Global and deny-by-default: a route passes only if it is @Public() or the caller holds what
 * @RequireScopes() / @RequireApiKey() ask for. A route that declares neither is refused.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
    private readonly bearer: BearerStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    await this.authenticate(request);
    const principal = request.user as Principal;

    if (this.reflector.getAllAndOverride<boolean>(API_KEY_ONLY_KEY, targets)) {
      if (principal.kind !== 'api_key') throw new AppError('forbidden', 'This endpoint requires an API key');
      return true;
    }
    const scopes = this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES_KEY, targets);
    if (!scopes) throw new AppError('forbidden', 'This endpoint is not available');
    const missing = scopes.find((scope) => !principal.scopes.includes(scope));
    if (missing) {
      throw new AppError('forbidden', `Insufficient scope: requires ${missing}`, {
        'WWW-Authenticate': `Bearer error="insufficient_scope", scope="${missing}"`,
      });
    }
    return true;
  }

  /** Bearer credentials go through passport-http-bearer; `X-API-Key` is read here directly. */
  private async authenticate(request: AuthenticatedRequest): Promise<void> {
    // passport-http-bearer would also take `access_token` from the query or body; credentials in
    // URLs end up in logs and proxies, so they are refused outright.
    if (hasField(request.query, 'access_token') || hasField(request.body, 'access_token')) {
      throw new AppError('invalid_request', 'Credentials must be sent in the Authorization or X-API-Key header');
    }
    const apiKeyHeader = request.headers['x-api-key'];
    if (!request.headers.authorization && typeof apiKeyHeader === 'string' && apiKeyHeader.length > 0) {
      request.user = await this.apiKeys.authenticate(apiKeyHeader.trim());
      return;
    }
    const principal = await this.authenticateBearer(request);
    if (!principal) throw new AppError('unauthenticated', 'API key required');
    request.user = principal;
  }

  /**
   * Runs passport-http-bearer the way passport.authenticate() does (a per-request object with
   * success/fail/error), but on this application's own strategy instance: passport's global
   * registry holds one strategy per name, which would bind every app in a process to the last one.
   */
  private authenticateBearer(request: Request): Promise<Principal | null> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this.bearer) as BearerStrategy & PassportActions;
      attempt.success = (user) => resolve(user);
      attempt.fail = () => resolve(null);
      attempt.error = (error) => reject(error instanceof Error ? error : new Error(String(error)));
      attempt.authenticate(request, {});
    });
  }
}

interface PassportActions {
  success(user: Principal): void;
  fail(): void;
  error(error: unknown): void;
  authenticate(request: Request, options: object): void;
}

function hasField(container: unknown, field: string): boolean {
  return typeof container === 'object' && container !== null && field in container;
}
