import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Clock } from '../common/time/clock.js';
import type { AppConfiguration } from '../config/configuration.js';
import { vaultReferences } from '../tasks/rules/vault-references.js';
import { VaultError } from '../vault/vault.errors.js';
import { VaultService } from '../vault/vault.service.js';
import { WebhookSecretService } from '../vault/webhook-secret.service.js';
import { outcomeOfFailure, outcomeOfResponse, permanentFailure } from './attempt-outcome.js';
import { EgressService } from './egress.service.js';
import { OutboundFailure } from './outbound.types.js';
import { signatureHeader } from './request-signer.js';
import type { AttemptOutcome, ClaimedTask } from '../tasks/persistence/task-lease.types.js';
import { USER_AGENT } from './user-agent.js';
import { resolveTaskHeaders } from './task-headers.js';
import { callbackUrlOfTask, fillCallbackUrl } from '../tasks/rules/callback-url.js';

export interface DispatchContext {
  signal: AbortSignal;
  onCallStart: () => void;
}

/**
 * One attempt of one claimed task: vault references resolved at the last moment, the callback
 * placeholder filled in, the call made through the egress service, the outcome decided. Secrets
 * exist only inside this method.
 */
@Injectable()
export class TaskDispatcher {
  private readonly publicBaseUrl: string;

  constructor(
    private readonly egress: EgressService,
    private readonly vault: VaultService,
    private readonly webhookSecrets: WebhookSecretService,
    private readonly clock: Clock,
    config: ConfigService<AppConfiguration, true>,
  ) {
    this.publicBaseUrl = config.get('http', { infer: true }).publicBaseUrl;
  }

  async dispatch(
    { task, sealedTokens, sealedWebhookSecret }: ClaimedTask,
    context: DispatchContext,
  ): Promise<AttemptOutcome> {
    const startedAt = this.clock.now();
    const facts = () => ({ task, startedAt, finishedAt: this.clock.now() });
    const references = vaultReferences(task.headers);
    const callbackUrl = callbackUrlOfTask(this.publicBaseUrl, task);
    const fill = (text: string) => (callbackUrl ? fillCallbackUrl(text, callbackUrl) : text);
    const url = fill(task.targetUrl);
    let secrets: Map<string, Buffer>;
    let signingSecret: string | undefined;
    try {
      // A token bound to other hosts fails the task before anything is decrypted or sent.
      secrets = references.length
        ? this.vault.openSealed(
            task.teamId,
            references.map((r) => r.tokenId),
            sealedTokens,
            new URL(url).hostname,
          )
        : new Map<string, Buffer>();
      signingSecret = this.webhookSecrets.open(task.teamId, sealedWebhookSecret);
    } catch (error) {
      if (error instanceof VaultError) return permanentFailure(facts(), error.message);
      throw error;
    }
    try {
      const body = task.method === 'GET' || task.body === null ? null : fill(task.body);
      const headers = resolveTaskHeaders(task, secrets, callbackUrl);
      headers['User-Agent'] = USER_AGENT;
      headers['X-AsyncQueue-Task-Id'] = task.id;
      headers['X-AsyncQueue-Attempt'] = String(task.attemptCount);
      if (signingSecret) {
        headers['X-AsyncQueue-Signature'] = signatureHeader(
          signingSecret,
          body ?? '',
          Math.floor(startedAt.getTime() / 1000),
        );
      }
      context.onCallStart();
      const response = await this.egress.send({
        purpose: 'call',
        method: task.method,
        url,
        headers,
        body,
        timeoutMs: task.timeoutSeconds * 1000,
        sensitiveHeaders: references.map((r) => r.header),
        signal: context.signal,
      });
      return outcomeOfResponse(facts(), response);
    } catch (error) {
      if (error instanceof OutboundFailure) return outcomeOfFailure(facts(), error);
      throw error;
    } finally {
      for (const secret of secrets.values()) secret.fill(0);
    }
  }
}
