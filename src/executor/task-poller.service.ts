import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { urlProblem } from '../common/net/target-url.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfiguration } from '../config/configuration.js';
import type { CallResult, TaskResult } from '../tasks/entities/task.entity.js';
import type { TaskStatus } from '../tasks/rules/task-status.js';
import { vaultReferences } from '../tasks/rules/vault-references.js';
import { callbackUrlOfTask, fillCallbackUrl } from '../tasks/rules/callback-url.js';
import type { PollConfig } from '../tasks/rules/poll-config.js';
import { expandTemplate, TemplateError } from '../tasks/rules/submit-response-template.js';
import { VaultError } from '../vault/vault.errors.js';
import { VaultService } from '../vault/vault.service.js';
import { bindingAdmits } from '../vault/token-destinations.js';
import type { SealedToken } from '../vault/sealed-envelope.js';
import { EgressService } from './egress.service.js';
import { OutboundFailure } from './outbound.types.js';
import { judgeResultResponse, judgeStatusResponse, type StatusVerdict } from './status-verdict.js';
import { credentialHeaderNames, resolveTaskHeaders } from './task-headers.js';
import type { AttemptOutcome, ClaimedTask, TaskToRun } from '../tasks/persistence/task-lease.types.js';
import { USER_AGENT } from './user-agent.js';

/** Status responses are read further than stored results, so a large final response still parses. */
const STATUS_BODY_LIMIT = 8 * 1024 * 1024;

/**
 * One status check of a polling task (SPEC §8): the status URL built from the submit response,
 * fetched through the egress service (address policy on every hop), judged against the task's
 * pollConfig; once done, the result fetched from `resultUrlTemplate` when there is one. The
 * outcome is a write like any attempt's: the next check's due time, or the task's end.
 */
@Injectable()
export class TaskPoller {
  private readonly publicBaseUrl: string;

  constructor(
    private readonly egress: EgressService,
    private readonly vault: VaultService,
    private readonly clock: Clock,
    config: ConfigService<AppConfiguration, true>,
  ) {
    this.publicBaseUrl = config.get('http', { infer: true }).publicBaseUrl;
  }

  async poll({ task, sealedTokens }: ClaimedTask, signal: AbortSignal): Promise<AttemptOutcome> {
    const startedAt = this.clock.now();
    const config = task.pollConfig as PollConfig;
    const submit = task.result as CallResult | null;
    let secrets = new Map<string, Buffer>();
    try {
      const statusUrl = buildUrl(config.urlTemplate, submit);
      if (config.forwardAuth) {
        const references = vaultReferences(task.headers);
        secrets = references.length
          ? this.vault.openSealed(
              task.teamId,
              references.map((r) => r.tokenId),
              sealedTokens,
            )
          : secrets;
      }
      const forwarded = config.forwardAuth ? this.forwardedHeaders(task, secrets, sealedTokens) : null;
      const fetch = (url: string) =>
        this.egress.send({
          purpose: 'status_check',
          method: 'GET',
          url,
          headers: statusCheckHeaders(task, url, forwarded),
          body: null,
          timeoutMs: task.timeoutSeconds * 1000,
          sensitiveHeaders: forwarded ? [...forwarded.credentials] : [],
          signal,
          maxBodyBytes: STATUS_BODY_LIMIT,
        });
      let verdict = judgeStatusResponse(config, await fetch(statusUrl));
      if (verdict.kind === 'done' && config.resultUrlTemplate !== undefined) {
        verdict = judgeResultResponse(await fetch(buildUrl(config.resultUrlTemplate, submit)));
      }
      return this.outcomeOf(task, verdict, startedAt);
    } catch (error) {
      if (error instanceof TemplateError || error instanceof VaultError) {
        return this.outcomeOf(task, { kind: 'failed', error: error.message }, startedAt);
      }
      if (error instanceof OutboundFailure) {
        const verdict: StatusVerdict =
          error.kind === 'blocked'
            ? { kind: 'failed', error: error.message }
            : { kind: 'running', note: `Status check failed: ${error.message}` };
        return this.outcomeOf(task, verdict, startedAt);
      }
      throw error;
    } finally {
      for (const secret of secrets.values()) secret.fill(0);
    }
  }

  /** The task's own headers as they would go on the wire, resolved once per status check. */
  private forwardedHeaders(
    task: TaskToRun,
    secrets: ReadonlyMap<string, Buffer>,
    sealedTokens: SealedToken[],
  ): ForwardedHeaders {
    const callbackUrl = callbackUrlOfTask(this.publicBaseUrl, task);
    const bindingOf = new Map(sealedTokens.map((token) => [token.id, token.allowedHosts]));
    return {
      headers: resolveTaskHeaders(task, secrets, callbackUrl),
      credentials: credentialHeaderNames(task),
      bindings: new Map(
        vaultReferences(task.headers).map((r) => [r.header.toLowerCase(), bindingOf.get(r.tokenId) ?? null]),
      ),
      origin: new URL(callbackUrl ? fillCallbackUrl(task.targetUrl, callbackUrl) : task.targetUrl).origin,
    };
  }

  private outcomeOf(task: TaskToRun, verdict: StatusVerdict, startedAt: Date): AttemptOutcome {
    const finishedAt = this.clock.now();
    const end = (status: TaskStatus, result: TaskResult | undefined, error: string | null): AttemptOutcome => ({
      taskId: task.id,
      leaseToken: task.leaseToken,
      fromStatus: 'polling',
      status,
      result: result ?? null,
      keepResult: result === undefined,
      error,
      retryCount: task.retryCount,
      runAt:
        status === 'polling' ? new Date(finishedAt.getTime() + (task.pollConfig as PollConfig).interval * 1000) : null,
      completedAt: status === 'polling' ? null : finishedAt,
      waitDeadline: null,
      attemptStartedAt: startedAt,
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      statusCode: null,
    });
    switch (verdict.kind) {
      case 'done':
        return end('completed', verdict.result, null);
      case 'failed':
        return end('failed', undefined, verdict.error);
      case 'running':
        return end('polling', undefined, verdict.note);
    }
  }
}

function buildUrl(template: string, submit: CallResult | null): string {
  if (!submit || typeof submit.body !== 'string') {
    throw new TemplateError('The task has no submit response to build the status URL from');
  }
  const url = expandTemplate(template, submit);
  const problem = urlProblem('The status URL', url);
  if (problem) throw new TemplateError(`${problem} (built from the submit response: ${url.slice(0, 200)})`);
  return url;
}

interface ForwardedHeaders {
  headers: Record<string, string>;
  /** Lower-case names of the headers that may carry a credential. */
  credentials: Set<string>;
  /** Lower-case names of the headers holding a vault reference, with that token's binding. */
  bindings: Map<string, string[] | null>;
  /** The origin the task itself called. */
  origin: string;
}

/**
 * With forwardAuth the task's own headers go along, but credentials (vault references,
 * Authorization, Cookie) only to the origin the task itself called, and a bound vault token's only
 * to a host it allows: the status URL comes from the provider's response, and must not be able to
 * send a key elsewhere.
 */
function statusCheckHeaders(task: TaskToRun, url: string, forwarded: ForwardedHeaders | null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (forwarded) {
    const { origin, hostname } = new URL(url);
    const sameOrigin = origin === forwarded.origin;
    for (const [name, value] of Object.entries(forwarded.headers)) {
      const lower = name.toLowerCase();
      if (lower === 'content-type') continue;
      const admitted = sameOrigin && bindingAdmits(forwarded.bindings.get(lower) ?? null, hostname);
      if (admitted || !forwarded.credentials.has(lower)) headers[name] = value;
    }
  }
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'accept')) headers.Accept = 'application/json';
  headers['User-Agent'] = USER_AGENT;
  headers['X-AsyncQueue-Task-Id'] = task.id;
  return headers;
}
