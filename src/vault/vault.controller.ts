import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.decorator.js';
import { CurrentPrincipal } from '../common/access/current-principal.decorator.js';
import { RequireScopes } from '../common/access/require-scopes.decorator.js';
import type { Principal } from '../common/access/principal.js';
import { CreateVaultTokenDto } from './dto/create-vault-token.dto.js';
import { VaultConfiguredGuard } from './vault-configured.guard.js';
import { VaultService } from './vault.service.js';
import {
  RevokedVaultTokenResponse,
  toRevokedVaultTokenView,
  toVaultTokenView,
  VaultTokenListResponse,
  VaultTokenResponse,
} from './vault.views.js';

@ApiTags('vault')
@ApiErrors(503)
@UseGuards(VaultConfiguredGuard)
@Controller('v1/tokens')
export class VaultController {
  constructor(private readonly vault: VaultService) {}

  /**
   * Stores a credential, encrypted.
   * @remarks The raw value is never returned. A task header whose value is the token's id is sent
   * with the whole stored value in its place, so store what the header must carry
   * (`Bearer sk-...` for an Authorization header).
   */
  @RequireScopes('tokens:write')
  @ApiErrors(400)
  @Post()
  @HttpCode(201)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateVaultTokenDto,
  ): Promise<VaultTokenResponse> {
    return {
      token: toVaultTokenView(await this.vault.create(principal.teamId, dto.name, dto.value, dto.allowedHosts ?? null)),
    };
  }

  /** Lists the team's active tokens, oldest first, metadata only. */
  @RequireScopes('tokens:read')
  @Get()
  async list(@CurrentPrincipal() principal: Principal): Promise<VaultTokenListResponse> {
    const tokens = await this.vault.listActive(principal.teamId);
    return { tokens: tokens.map(toVaultTokenView) };
  }

  /**
   * Revokes a token and destroys its ciphertext.
   * @remarks Tasks that reference it fail from then on, without sending anything.
   * @param tokenId The token's id (`tok_...`).
   */
  @RequireScopes('tokens:write')
  @ApiErrors(400, 404)
  @Delete(':tokenId')
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('tokenId') tokenId: string,
  ): Promise<RevokedVaultTokenResponse> {
    return {
      token: toRevokedVaultTokenView(await this.vault.revoke(principal.teamId, tokenId)),
    };
  }
}
