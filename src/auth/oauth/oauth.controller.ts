import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../common/access/public.decorator.js';
import { OAuthProtocolError } from '../../common/errors/app-error.js';
import { OAuthClientsService } from '../oauth-clients.service.js';
import { OAuthTokensService, type Introspection } from '../oauth-tokens.service.js';
import type { OAuthClient } from '../entities/oauth-client.entity.js';
import { readClientCredentials } from './client-authentication.js';
import { checkOAuthParameters } from './oauth-parameters.js';
import { OAuthTokenEndpointService, type TokenResponse } from './oauth-token-endpoint.service.js';

@ApiTags('oauth')
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly tokenEndpoint: OAuthTokenEndpointService,
    private readonly clients: OAuthClientsService,
    private readonly tokens: OAuthTokensService,
  ) {}

  /** RFC 6749 §4.4 client credentials grant. */
  @Public()
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Req() request: Request): Promise<TokenResponse> {
    checkOAuthParameters(request);
    return this.tokenEndpoint.issue(request);
  }

  /** RFC 7009: 200 whether or not the token existed; only the caller's own tokens are revoked. */
  @Public()
  @Post('revoke')
  @HttpCode(200)
  async revoke(@Req() request: Request): Promise<Record<string, never>> {
    const client = await this.authenticateClient(request);
    await this.tokens.revoke(requiredToken(request), client.id);
    return {};
  }

  /** RFC 7662: `{"active":false}` for anything not issued to the caller. */
  @Public()
  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async introspect(@Req() request: Request): Promise<Introspection> {
    const client = await this.authenticateClient(request);
    return this.tokens.introspect(requiredToken(request), client.id);
  }

  private async authenticateClient(request: Request): Promise<OAuthClient> {
    checkOAuthParameters(request);
    const credentials = readClientCredentials(request);
    const client = credentials && (await this.clients.verify(credentials.clientId, credentials.clientSecret));
    if (client) return client;
    const usedBasic = /^basic /i.test(request.headers.authorization ?? '');
    throw new OAuthProtocolError(
      'invalid_client',
      'Client authentication failed',
      401,
      usedBasic ? { 'WWW-Authenticate': 'Basic realm="asyncqueue"' } : {},
    );
  }
}

function requiredToken(request: Request): string {
  const token = (request.body as Record<string, unknown> | undefined)?.token;
  if (typeof token !== 'string' || token.length === 0) {
    throw new OAuthProtocolError('invalid_request', 'Missing parameter: token', 400);
  }
  return token;
}
