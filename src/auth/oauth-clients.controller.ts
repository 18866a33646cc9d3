import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  OAuthClientCreatedResponse,
  OAuthClientListResponse,
  RevokedOAuthClientResponse,
  toOAuthClientView,
} from './auth.views.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
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

  /**
   * Registers an OAuth client (client credentials grant).
   * @remarks The client secret is in this response and never again. The client gets access
   * tokens from POST /oauth/token, limited to the scopes given here.
   */
  @ApiErrors(400)
  @Post()
  @HttpCode(201)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateOAuthClientDto,
  ): Promise<OAuthClientCreatedResponse> {
    const { client, clientSecret } = await this.clients.create(principal.teamId, dto.name, dto.scopes);
    return { client: toOAuthClientView(client), clientSecret };
  }

  /** Lists the team's active OAuth clients. */
  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<OAuthClientListResponse> {
    const clients = await this.clients.listActive(principal.teamId);
    return { clients: clients.map((client) => toOAuthClientView(client)) };
  }

  /**
   * Revokes an OAuth client and every access token issued to it.
   * @param id The client's id (`aqc_...`).
   */
  @ApiErrors(400, 404)
  @Delete(':id')
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<RevokedOAuthClientResponse> {
    return {
      client: toOAuthClientView(await this.clients.revoke(principal.teamId, id), true),
    };
  }
}
