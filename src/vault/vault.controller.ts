import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireScopes } from '../common/access/require-scopes.decorator.js';
import type { Principal } from '../common/access/principal.js';
import { CreateVaultTokenDto } from './dto/create-vault-token.dto.js';
import { VaultConfiguredGuard } from './vault-configured.guard.js';
import { VaultService } from './vault.service.js';
import { toRevokedVaultTokenView, toVaultTokenView, type VaultTokenView } from './vault.views.js';

@ApiTags('vault')
@UseGuards(VaultConfiguredGuard)
@Controller('v1/tokens')
export class VaultController {
  constructor(private readonly vault: VaultService) {}

  /** Stores a credential encrypted; the raw value is never returned. */
  @RequireScopes('tokens:write')
  @Post()
  @HttpCode(201)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateVaultTokenDto,
  ): Promise<{ token: VaultTokenView }> {
    return {
      token: toVaultTokenView(await this.vault.create(principal.teamId, dto.name, dto.value, dto.allowedHosts ?? null)),
    };
  }

  /** Active tokens of the caller's team, oldest first, metadata only. */
  @RequireScopes('tokens:read')
  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<{ tokens: VaultTokenView[] }> {
    const tokens = await this.vault.listActive(principal.teamId);
    return { tokens: tokens.map(toVaultTokenView) };
  }

  @RequireScopes('tokens:write')
  @Delete(':tokenId')
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('tokenId') tokenId: string,
  ): Promise<{ token: VaultTokenView }> {
    return {
      token: toRevokedVaultTokenView(await this.vault.revoke(principal.teamId, tokenId)),
    };
  }
}
