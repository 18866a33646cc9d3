import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error.js';
import { ALLOW_PRIVATE_TARGETS_HINT, AddressPolicy } from '../../common/net/address-policy.js';
import { bindingAdmits, hostNotAllowedMessage } from '../../vault/token-destinations.js';
import { VaultError } from '../../vault/vault.errors.js';
import { VaultService } from '../../vault/vault.service.js';
import type { CreateTaskDto } from '../dto/create-task.dto.js';
import { pollConfigOf, type CheckedTaskRequest } from '../new-task-row.js';
import { credentialHostsOf } from '../rules/credential-hosts.js';
import { referencedTokenIds, vaultReferences, type VaultReference } from '../rules/vault-references.js';

/**
 * The checks of a new task that need more than its own fields: the address policy (configured
 * per deployment) and vault references (which must name usable tokens of the caller's team).
 */
@Injectable()
export class TaskRequestValidator {
  constructor(
    private readonly addresses: AddressPolicy,
    private readonly vault: VaultService,
  ) {}

  /**
   * Everything that needs no query: the waiting mode, addresses, and that the vault exists when
   * headers reference it. The references themselves are checked by the insert (see
   * TaskRepository.insert) and explained by whyReferencesRefused() when it refuses.
   */
  check(dto: CreateTaskDto): CheckedTaskRequest {
    this.checkWaitingMode(dto);
    this.checkAddress('targetUrl', dto.targetUrl);
    if (dto.onCompleteUrl) this.checkAddress('onCompleteUrl', dto.onCompleteUrl);
    for (const field of ['urlTemplate', 'resultUrlTemplate'] as const) {
      const template = dto.pollConfig?.[field];
      if (typeof template === 'string' && !template.startsWith('{')) {
        this.checkAddress(`pollConfig.${field}`, template.replace(/\{[^{}]*\}/g, 'x'));
      }
    }
    const pollConfig = pollConfigOf(dto);
    const tokenIds = referencedTokenIds(dto.headers);
    if (tokenIds.length === 0) return { pollConfig, tokenIds, credentialHosts: [] };
    if (!this.vault.configured) throw new VaultError('NOT_CONFIGURED', 'Token vault is not configured');
    return { pollConfig, tokenIds, credentialHosts: credentialHostsOf(dto.targetUrl, pollConfig) };
  }

  /**
   * The 400 for the first header whose vault reference is not an active token of the team, else
   * for the first reference whose destination binding does not admit one of `hosts`.
   */
  async whyReferencesRefused(teamId: string, headers: Record<string, string>, hosts: string[]): Promise<AppError> {
    const refusal = await this.firstRefusedReferences(teamId, [{ headers, hosts }]);
    // The insert and this check apply one rule, so this is not expected; should they ever
    // disagree, the caller gets an answer it can act on instead of a 500.
    return (
      refusal?.error ??
      new AppError('conflict', 'A vault token this task references changed while it was created; try again')
    );
  }

  /**
   * Of several tasks (headers and the hosts their references go to), the first whose references
   * are not all usable, with the 400 whyReferencesRefused gives for it; null when all are. One
   * vault query for all of them.
   */
  async firstRefusedReferences(
    teamId: string,
    requests: { headers: Record<string, string>; hosts: string[] }[],
  ): Promise<{ index: number; error: AppError } | null> {
    const referencesOf = requests.map((request) => vaultReferences(request.headers));
    const ids = [...new Set(referencesOf.flat().map((reference) => reference.tokenId))];
    if (ids.length === 0) return null;
    const bindings = await this.vault.activeBindings(teamId, ids);
    for (const [index, references] of referencesOf.entries()) {
      const error = refusalOf(references, requests[index].hosts, bindings);
      if (error) return { index, error };
    }
    return null;
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

  /** Literal addresses and localhost names are judged now; other names at connect time by the executor. */
  private checkAddress(field: string, url: string): void {
    const refused = this.addresses.refusedAddress(new URL(url).hostname);
    if (refused) {
      throw new AppError(
        'invalid_request',
        `${field} points to a non-public address (${refused}); ${ALLOW_PRIVATE_TARGETS_HINT}`,
      );
    }
  }
}

function refusalOf(
  references: VaultReference[],
  hosts: string[],
  bindings: Map<string, string[] | null>,
): AppError | null {
  const unknown = references.find((r) => !bindings.has(r.tokenId));
  if (unknown) {
    return new AppError(
      'invalid_request',
      `Header "${unknown.header}" references unknown vault token "${unknown.tokenId}"`,
    );
  }
  for (const { tokenId } of references) {
    const refused = hosts.find((host) => !bindingAdmits(bindings.get(tokenId) ?? null, host));
    if (refused !== undefined) return new AppError('invalid_request', hostNotAllowedMessage(tokenId, refused));
  }
  return null;
}
