import { Injectable } from '@nestjs/common';
import OAuth2Server from '@node-oauth/oauth2-server';
import type { Request } from 'express';
import { OAuthProtocolError } from '../../common/errors/app-error.js';
import type { AccessTokenResponse } from '../auth.views.js';
import { OAuthClientsService } from '../oauth-clients.service.js';
import { ACCESS_TOKEN_LIFETIME_SECONDS, OAuthTokensService } from '../oauth-tokens.service.js';
import { createOAuthServerModel } from './oauth-server.model.js';

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';

/** RFC 6749 §4.4 token endpoint; the request grammar and error codes come from @node-oauth/oauth2-server. */
@Injectable()
export class OAuthTokenEndpointService {
  private readonly server: OAuth2Server;

  constructor(clients: OAuthClientsService, tokens: OAuthTokensService) {
    this.server = new OAuth2Server({
      model: createOAuthServerModel(clients, tokens),
      accessTokenLifetime: ACCESS_TOKEN_LIFETIME_SECONDS,
      requireClientAuthentication: { client_credentials: true },
    });
  }

  async issue(request: Request): Promise<AccessTokenResponse> {
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (typeof body.grant_type === 'string' && body.grant_type !== 'client_credentials') {
      throw new OAuthProtocolError('unsupported_grant_type', 'Only grant_type=client_credentials is supported', 400);
    }
    const libraryResponse = new OAuth2Server.Response();
    try {
      const token = await this.server.token(this.toLibraryRequest(request, body), libraryResponse);
      return {
        access_token: token.accessToken,
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
        scope: (token.scope ?? []).join(' '),
      };
    } catch (error) {
      if (error instanceof OAuth2Server.OAuthError && error.code < 500) {
        const challenge = libraryResponse.get('WWW-Authenticate') as string | undefined;
        throw new OAuthProtocolError(
          error.name,
          error.message,
          error.code,
          challenge ? { 'WWW-Authenticate': challenge } : {},
        );
      }
      throw error;
    }
  }

  /** The library only reads form bodies; a JSON body is the same parameters, already parsed. */
  private toLibraryRequest(request: Request, body: Record<string, unknown>): OAuth2Server.Request {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === 'string') headers[name] = value;
    }
    headers['content-type'] = FORM_CONTENT_TYPE;
    // type-is only matches a request that declares a body.
    headers['content-length'] ??= '0';
    return new OAuth2Server.Request({
      method: request.method,
      query: {},
      headers,
      body,
    });
  }
}
