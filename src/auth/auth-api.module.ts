import { Module } from '@nestjs/common';
import { ApiKeysController } from './api-keys.controller.js';
import { AuthModule } from './auth.module.js';
import { OAuthClientsController } from './oauth-clients.controller.js';
import { OAuthController } from './oauth/oauth.controller.js';

@Module({
  imports: [AuthModule],
  controllers: [ApiKeysController, OAuthClientsController, OAuthController],
})
export class AuthApiModule {}
