import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { toOAuthClientView, type OAuthClientView } from './auth.views.js';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireApiKey } from '../common/access/require-scopes.decorator.js';
import { CreateOAuthClientDto } from './dto/create-oauth-client.dto.js';
import { OAuthClientsService } from './oauth-clients.service.js';
import type { Principal } from '../common/access/principal.js';

@ApiTags('team')
@RequireApiKey()
@Controller('v1/oauth/clients')
export class OAuthClientsController {
  constructor(private readonly clients: OAuthClientsService) {}

  /** Registers a client-credentials client; the secret is in this response and never again. */
  @Post()
  @HttpCode(201)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateOAuthClientDto,
  ): Promise<{ client: OAuthClientView; clientSecret: string }> {
    const { client, clientSecret } = await this.clients.create(principal.teamId, dto.name, dto.scopes);
    return { client: toOAuthClientView(client), clientSecret };
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<{ clients: OAuthClientView[] }> {
    const clients = await this.clients.listActive(principal.teamId);
    return { clients: clients.map((client) => toOAuthClientView(client)) };
  }

  /** Revokes the client and every access token issued to it. */
  @Delete(':id')
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<{ client: OAuthClientView }> {
    return {
      client: toOAuthClientView(await this.clients.revoke(principal.teamId, id), true),
    };
  }
}
