import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller.js';
import { AuthModule } from './auth.module.js';
import { EmbeddedBootstrapService } from './embedded-bootstrap.service.js';
import { OAuthClientsController } from './oauth-clients.controller.js';
import { OAuthController } from './oauth/oauth.controller.js';

@Module({
  imports: [AuthModule],
  controllers: [ApiKeysController, OAuthClientsController, OAuthController],
  // Server only: the admin CLI must print nothing but its one JSON line.
  providers: [EmbeddedBootstrapService],
})
export class AuthApiModule {}
