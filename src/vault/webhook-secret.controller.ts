import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireApiKey } from '../common/access/require-scopes.decorator.js';
import type { Principal } from '../common/access/principal.js';
import { VaultConfiguredGuard } from './vault-configured.guard.js';
import { WebhookSecretService } from './webhook-secret.service.js';
import { WebhookSecretResponse } from './vault.views.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';

@ApiTags('team')
@RequireApiKey()
@ApiErrors(503)
@UseGuards(VaultConfiguredGuard)
@Controller('v1/webhook-secret')
export class WebhookSecretController {
  constructor(private readonly secrets: WebhookSecretService) {}

  /**
   * Shows the team's signing secret.
   * @remarks The key of the HMAC in X-AsyncQueue-Signature; created on first read.
   */
  @Get()
  async get(@CurrentPrincipal() principal: Principal): Promise<WebhookSecretResponse> {
    return { webhookSecret: await this.secrets.get(principal.teamId) };
  }

  /** Replaces the signing secret; calls signed from now on use the new one. */
  @ApiErrors(400)
  @Post('rotate')
  @HttpCode(200)
  async rotate(@CurrentPrincipal() principal: Principal): Promise<WebhookSecretResponse> {
    return { webhookSecret: await this.secrets.rotate(principal.teamId) };
  }
}
