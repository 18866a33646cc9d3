import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireApiKey } from '../common/access/require-scopes.decorator.js';
import type { Principal } from '../common/access/principal.js';
import { VaultConfiguredGuard } from './vault-configured.guard.js';
import { WebhookSecretService } from './webhook-secret.service.js';

@ApiTags('team')
@RequireApiKey()
@UseGuards(VaultConfiguredGuard)
@Controller('v1/webhook-secret')
export class WebhookSecretController {
  constructor(private readonly secrets: WebhookSecretService) {}

  /** The team's signing secret for X-AsyncQueue-Signature (created on first read). */
  @Get()
  async get(@CurrentPrincipal() principal: Principal): Promise<{ webhookSecret: string }> {
    return { webhookSecret: await this.secrets.get(principal.teamId) };
  }

  /** Replaces the secret; calls signed from now on use the new one. */
  @Post('rotate')
  @HttpCode(200)
  async rotate(@CurrentPrincipal() principal: Principal): Promise<{ webhookSecret: string }> {
    return { webhookSecret: await this.secrets.rotate(principal.teamId) };
  }
}
