import { applyDecorators, Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../common/access/public.decorator.js';
import { OAuthProtocolError } from '../../common/errors/app-error.js';
import { OAuthErrorResponse } from '../../common/http/dto/error-response.dto.js';
import { OAUTH_CLIENT_SECURITY } from '../../common/http/security-schemes.js';
import { AccessTokenResponse, IntrospectionResponse } from '../auth.views.js';
import { OAuthClientsService } from '../oauth-clients.service.js';
import { OAuthTokensService } from '../oauth-tokens.service.js';
import type { OAuthClient } from '../entities/oauth-client.entity.js';
import { readClientCredentials } from './client-authentication.js';
import { checkOAuthParameters } from './oauth-parameters.js';
import { TokenOperationRequestDto, TokenRequestDto } from './dto/oauth-requests.dto.js';
import { OAuthTokenEndpointService } from './oauth-token-endpoint.service.js';

/**
 * How the OAuth endpoints are called and fail: parameters as a form (or JSON), the client
 * authenticated by HTTP Basic or in the body, RFC 6749 §5.2 errors.
 */
const OAuthEndpoint = (body: typeof TokenRequestDto | typeof TokenOperationRequestDto) =>
  applyDecorators(
    ApiConsumes('application/x-www-form-urlencoded', 'application/json'),
    ApiBody({ type: body }),
    ApiSecurity(OAUTH_CLIENT_SECURITY),
    ApiSecurity({}),
    ApiResponse({
      status: 400,
      description: 'invalid_request, invalid_scope or unsupported_grant_type',
      type: OAuthErrorResponse,
    }),
    ApiResponse({
      status: 401,
      description: 'invalid_client: unknown client or wrong secret',
      type: OAuthErrorResponse,
    }),
  );

@ApiTags('oauth')
@Controller('oauth')
export class OAuthController {
  constructor(
    private readonly tokenEndpoint: OAuthTokenEndpointService,
    private readonly clients: OAuthClientsService,
    private readonly tokens: OAuthTokensService,
  ) {}

  /**
   * Issues an access token to an OAuth client (client credentials grant, RFC 6749 §4.4).
   * @remarks The token is valid for an hour and carries the scopes asked for (default: all the
   * client's scopes). Use it as `Authorization: Bearer aq_at_...`.
   */
  @Public()
  @OAuthEndpoint(TokenRequestDto)
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Req() request: Request): Promise<AccessTokenResponse> {
    checkOAuthParameters(request);
    return this.tokenEndpoint.issue(request);
  }

  /**
   * Revokes an access token of the calling client (RFC 7009).
   * @remarks Answers 200 whether or not the token existed; another client's token is never revoked.
   */
  @Public()
  @OAuthEndpoint(TokenOperationRequestDto)
  @ApiOkResponse({
    description: 'Revoked, or there was nothing of this client to revoke: an empty object',
    schema: { type: 'object', additionalProperties: false, example: {} },
  })
  @Post('revoke')
  @HttpCode(200)
  async revoke(@Req() request: Request): Promise<Record<string, never>> {
    const client = await this.authenticateClient(request);
    await this.tokens.revoke(requiredToken(request), client.id);
    return {};
  }

  /**
   * Describes an access token of the calling client (RFC 7662).
   * @remarks `{"active":false}` for anything not issued to the caller.
   */
  @Public()
  @OAuthEndpoint(TokenOperationRequestDto)
  @Post('introspect')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async introspect(@Req() request: Request): Promise<IntrospectionResponse> {
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
