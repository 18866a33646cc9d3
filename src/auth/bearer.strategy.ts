import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-http-bearer';
import { AppError } from '../common/errors/app-error.js';
import { ApiKeysService, INVALID_API_KEY } from './api-keys.service.js';
import { ACCESS_TOKEN_PREFIX, OAuthTokensService } from './oauth-tokens.service.js';
import type { Principal } from '../common/access/principal.js';

/** `Authorization: Bearer <credential>`: an API key (`aq_live_`) or an OAuth access token (`aq_at_`). */
@Injectable()
export class BearerStrategy extends PassportStrategy(Strategy, 'bearer') {
  constructor(
    private readonly apiKeys: ApiKeysService,
    private readonly oauthTokens: OAuthTokensService,
  ) {
    super();
  }

  validate(credential: string): Promise<Principal> {
    if (credential.startsWith(ACCESS_TOKEN_PREFIX)) return this.oauthTokens.authenticate(credential);
    if (credential.length === 0) return Promise.reject(new AppError('unauthenticated', INVALID_API_KEY));
    return this.apiKeys.authenticate(credential);
  }
}
