import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { AddressPolicy } from '../../common/net/address-policy.js';
import { VaultService } from '../../vault/vault.service.js';
import { VaultError } from '../../vault/vault.errors.js';
import { bindingAdmits, hostNotAllowedMessage } from '../../vault/token-destinations.js';
import type { CreateTaskDto } from '../dto/create-task.dto.js';
import { vaultReferences } from './header-rules.js';

/**
 * The checks of a new task that need more than its own fields: the address policy (configured
 * per deployment) and vault references (which must name active tokens of the caller's team).
 */
@Injectable()
export class TaskRequestValidator {
  constructor(
    private readonly addresses: AddressPolicy,
    private readonly vault: VaultService,
  ) {}

  /**
   * Everything that needs no query: addresses, and that the vault exists when headers reference
   * it. Returns the distinct token ids referenced, which must still prove active (see below).
   */
  checkWithoutQuery(dto: CreateTaskDto): string[] {
    this.checkWaitingMode(dto);
    this.checkAddress('targetUrl', dto.targetUrl);
    if (dto.onCompleteUrl) this.checkAddress('onCompleteUrl', dto.onCompleteUrl);
    for (const field of ['urlTemplate', 'resultUrlTemplate'] as const) {
      const template = dto.pollConfig?.[field];
      if (typeof template === 'string' && !template.startsWith('{')) {
        this.checkAddress(`pollConfig.${field}`, template.replace(/\{[^{}]*\}/g, 'x'));
      }
    }
    const references = vaultReferences(dto.headers);
    if (references.length === 0) return [];
    if (!this.vault.configured) throw new VaultError('NOT_CONFIGURED', 'Token vault is not configured');
    return [...new Set(references.map((r) => r.tokenId))];
  }

  /**
   * Throws the 400 for the first header whose vault reference is not an active token of the team,
   * else for the first reference whose destination binding does not admit one of `hosts` (see
   * credentialHostsOf). Callers that fold the check into their insert run this only when the
   * insert was refused.
   */
  async checkVaultReferences(teamId: string, headers: Record<string, string>, hosts: string[]): Promise<void> {
    const references = vaultReferences(headers);
    if (references.length === 0) return;
    const bindings = await this.vault.activeBindings(
      teamId,
      references.map((r) => r.tokenId),
    );
    const unknown = references.find((r) => !bindings.has(r.tokenId));
    if (unknown) {
      throw new AppError(
        'invalid_request',
        `Header "${unknown.header}" references unknown vault token "${unknown.tokenId}"`,
      );
    }
    for (const { tokenId } of references) {
      const refused = hosts.find((host) => !bindingAdmits(bindings.get(tokenId) ?? null, host));
      if (refused !== undefined) throw new AppError('invalid_request', hostNotAllowedMessage(tokenId, refused));
    }
  }

  /** A task waits in one way: for a signal (or callback), or by polling a provider. */
  private checkWaitingMode(dto: CreateTaskDto): void {
    if (dto.provider !== undefined && dto.pollConfig !== undefined) {
      throw new AppError('invalid_request', 'provider and pollConfig cannot be used together');
    }
    if (dto.waitForSignal && (dto.provider !== undefined || dto.pollConfig !== undefined)) {
      throw new AppError('invalid_request', 'waitForSignal cannot be combined with provider or pollConfig');
    }
  }

  /** Literal addresses are judged now; names are judged at connect time by the executor. */
  private checkAddress(field: string, url: string): void {
    const refused = this.addresses.refusedLiteral(new URL(url).hostname);
    if (refused) throw new AppError('invalid_request', `${field} points to a non-public address (${refused})`);
  }
}
