import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeysService } from './api-keys.service.js';
import { BearerStrategy } from './bearer.strategy.js';
import { ApiKey } from './entities/api-key.entity.js';
import { OAuthAccessToken } from './entities/oauth-access-token.entity.js';
import { OAuthClient } from './entities/oauth-client.entity.js';
import { Team } from './entities/team.entity.js';
import { AccessGuard } from './guards/access.guard.js';
import { RateLimitGuard } from './guards/rate-limit.guard.js';
import { OAuthClientsService } from './oauth-clients.service.js';
import { OAuthTokensService } from './oauth-tokens.service.js';
import { OAuthTokenEndpointService } from './oauth/oauth-token-endpoint.service.js';
import { RateLimiterService } from './rate-limit/rate-limiter.service.js';
import { TeamsService } from './teams.service.js';

/** Teams, credentials and the guards; the HTTP routes live in AuthApiModule. */
@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([Team, ApiKey, OAuthClient, OAuthAccessToken])],
  providers: [
    ApiKeysService,
    TeamsService,
    OAuthClientsService,
    OAuthTokensService,
    OAuthTokenEndpointService,
    BearerStrategy,
    RateLimiterService,
    AccessGuard,
    RateLimitGuard,
  ],
  exports: [
    ApiKeysService,
    TeamsService,
    OAuthClientsService,
    OAuthTokensService,
    OAuthTokenEndpointService,
    AccessGuard,
    RateLimitGuard,
    RateLimiterService,
  ],
})
export class AuthModule {}
