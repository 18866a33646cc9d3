import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiKeysService } from './api-keys.service.js';
import { toApiKeyView, type ApiKeyView } from './auth.views.js';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireApiKey } from '../common/access/require-scopes.decorator.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';
import type { Principal } from '../common/access/principal.js';

@ApiTags('team')
@RequireApiKey()
@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  /** Creates a key; the key itself is in this response and never again. */
  @Post()
  @HttpCode(201)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateApiKeyDto,
  ): Promise<{ apiKey: ApiKeyView; key: string }> {
    const { apiKey, key } = await this.apiKeys.create(principal.teamId, dto.name ?? 'API key');
    return { apiKey: toApiKeyView(apiKey), key };
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<{ apiKeys: ApiKeyView[] }> {
    const apiKeys = await this.apiKeys.listActive(principal.teamId);
    return { apiKeys: apiKeys.map((apiKey) => toApiKeyView(apiKey)) };
  }

  /** Revokes a key; it fails from the very next request on. */
  @Delete(':id')
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<{ apiKey: ApiKeyView }> {
    return {
      apiKey: toApiKeyView(await this.apiKeys.revoke(principal.teamId, id), true),
    };
  }
}
