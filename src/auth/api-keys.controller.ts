import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyCreatedResponse, ApiKeyListResponse, RevokedApiKeyResponse, toApiKeyView } from './auth.views.js';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireApiKey } from '../common/access/require-scopes.decorator.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import type { Principal } from '../common/access/principal.js';

@ApiTags('team')
@RequireApiKey()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /**
   * Creates an API key for the team.
   * @remarks The key itself is in this response and never again.
   */
  @ApiErrors(400)
  @Post()
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateApiKeyDto): Promise<ApiKeyCreatedResponse> {
    const { apiKey, key } = await this.apiKeys.create(principal.teamId, dto.name ?? 'API key');
    return { apiKey: toApiKeyView(apiKey), key };
  }

  /** Lists the team's active API keys. */
  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<ApiKeyListResponse> {
    const apiKeys = await this.apiKeys.listActive(principal.teamId);
    return { apiKeys: apiKeys.map((apiKey) => toApiKeyView(apiKey)) };
  }

  /**
   * Revokes an API key; it fails from the very next request on.
   * @param id The key's id.
   */
  @ApiErrors(400, 404)
  @Delete(':id')
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<RevokedApiKeyResponse> {
    return {
      apiKey: toApiKeyView(await this.apiKeys.revoke(principal.teamId, id), true),
    };
  }
}
