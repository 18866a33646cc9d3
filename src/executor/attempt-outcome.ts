import { storableText } from '../common/text/storable.js';
import type { CallResult } from '../tasks/entities/task.entity.js';
import { statusText } from './egress.service.js';
import type { AttemptOutcome, TaskToRun } from '../tasks/persistence/task-lease.types.js';
import { OutboundFailure, type OutboundResponse } from './outbound.types.js';
import { backoffSeconds } from './retry-policy.js';
import { isThrottling, MAX_THROTTLES, throttleDelaySeconds } from './throttling.js';
import { statusAfterSubmit, waitLimitSeconds } from '../tasks/rules/waiting-mode.js';

export type AttemptLabel = 'completed' | 'retried' | 'failed';

interface AttemptFacts {
  task: TaskToRun;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * SPEC §7: any response below 500 completes the task; 5xx, network errors and timeouts are
 * retried with backoff while retries remain; a blocked address or an unusable vault reference
 * fails at once. SPEC §8: a task that waits afterwards starts waiting or polling on a 2xx; any
 * other answer below 500 means the job was never started, so the task fails.
 */
export function outcomeOfResponse(facts: AttemptFacts, response: OutboundResponse): AttemptOutcome {
  const result: CallResult = {
    statusCode: response.statusCode,
    headers: storedResponseHeaders(response.headers),
    body: response.body,
    ...(response.bodyEncoding && { bodyEncoding: response.bodyEncoding }),
    duration: response.duration,
  };
  const statusLine = `HTTP ${response.statusCode} - ${statusText(response.statusCode)}`;
  if (isThrottling(response.statusCode, response.headers)) {
    if (facts.task.throttledCount < MAX_THROTTLES) return throttled(facts, response, statusLine, result);
    return retryOrFail(
      facts,
      `Server error: ${statusLine} (throttled ${MAX_THROTTLES} times)`,
      response.statusCode,
      result,
    );
  }
  if (response.statusCode >= 500) return retryOrFail(facts, `Server error: ${statusLine}`, response.statusCode, result);
  const next = statusAfterSubmit(facts.task);
  if (next === null) {
    return base(facts, {
      status: 'completed',
      result,
      error: null,
      completedAt: facts.finishedAt,
      statusCode: response.statusCode,
    });
  }
  if (response.statusCode < 200 || response.statusCode >= 300) {
    return {
      ...permanentFailure(facts, `Submit call was not accepted: ${statusLine}`),
      result,
      statusCode: response.statusCode,
    };
  }
  return startWaiting(facts, next, result);
}

/**
 * SPEC §9: a throttled answer is not a failure. The task is due again after Retry-After (or its
 * backoff), capped at 15 minutes, without using a retry; a governed queue cools down until then
 * (the outcome write applies cooldownUntil only to queues with a concurrency or rateLimit).
 */
function throttled(
  facts: AttemptFacts,
  response: OutboundResponse,
  statusLine: string,
  result: CallResult,
): AttemptOutcome {
  const { task, finishedAt } = facts;
  const throttledCount = task.throttledCount + 1;
  const delay = throttleDelaySeconds(response.headers, finishedAt, task.retryBackoff, throttledCount);
  const runAt = new Date(finishedAt.getTime() + delay * 1000);
  return {
    ...base(facts, {
      status: 'pending',
      result,
      error: `Throttled by the destination: ${statusLine}`,
      completedAt: null,
      statusCode: response.statusCode,
    }),
    runAt,
    throttledCount,
    cooldownUntil: runAt,
  };
}

function startWaiting(facts: AttemptFacts, status: 'waiting' | 'polling', result: CallResult): AttemptOutcome {
  const { task, finishedAt } = facts;
  const after = (seconds: number) => new Date(finishedAt.getTime() + seconds * 1000);
  return {
    ...base(facts, { status, result, error: null, completedAt: null, statusCode: result.statusCode }),
    waitDeadline: after(waitLimitSeconds(task)),
    runAt: status === 'polling' && task.pollConfig ? after(task.pollConfig.interval) : null,
  };
}

/**
 * A target's cookies and credentials are its own business: a task's result is readable by every
 * `tasks:read` principal of the team and travels in completion webhooks.
 */
const UNSTORED_RESPONSE_HEADERS = new Set(['set-cookie', 'set-cookie2', 'authorization', 'proxy-authorization']);

function storedResponseHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!UNSTORED_RESPONSE_HEADERS.has(name.toLowerCase())) kept[name] = value;
  }
  return kept;
}

export function outcomeOfFailure(facts: AttemptFacts, failure: OutboundFailure): AttemptOutcome {
  if (failure.kind === 'blocked') return permanentFailure(facts, failure.message);
  return retryOrFail(facts, failure.message, null, null);
}

export function permanentFailure(facts: AttemptFacts, error: string): AttemptOutcome {
  return base(facts, {
    status: 'failed',
    result: null,
    error,
    completedAt: facts.finishedAt,
    statusCode: null,
  });
}

/**
 * What is written instead when an outcome could not be stored (the database refused a value it
 * carries): the task ends `failed` with the reason, rather than being re-run when its lease runs
 * out, again and again. A status check keeps the submit response it already stored.
 */
export function unstorableOutcome(outcome: AttemptOutcome, reason: string, now: Date): AttemptOutcome {
  return {
    ...outcome,
    status: 'failed',
    result: null,
    keepResult: outcome.fromStatus === 'polling',
    error: `The outcome of this attempt could not be stored (${storableText(reason).slice(0, 300)}); the task was ended so that it is not sent again`,
    runAt: null,
    completedAt: outcome.completedAt ?? now,
    waitDeadline: null,
  };
}

export function labelOf(outcome: AttemptOutcome): AttemptLabel {
  if (outcome.throttledCount !== undefined) return 'retried';
  if (['completed', 'waiting', 'polling'].includes(outcome.status)) return 'completed';
  return outcome.status === 'pending' ? 'retried' : 'failed';
}

function retryOrFail(
  facts: AttemptFacts,
  error: string,
  statusCode: number | null,
  result: CallResult | null,
): AttemptOutcome {
  const { task, finishedAt } = facts;
  if (task.retryCount >= task.maxRetries) {
    return base(facts, {
      status: 'failed',
      result,
      error,
      completedAt: finishedAt,
      statusCode,
    });
  }
  const retry = task.retryCount + 1;
  const runAt = new Date(finishedAt.getTime() + backoffSeconds(task.retryBackoff, retry) * 1000);
  return {
    ...base(facts, {
      status: 'pending',
      result,
      error,
      completedAt: null,
      statusCode,
    }),
    retryCount: retry,
    runAt,
  };
}

function base(
  { task, startedAt, finishedAt }: AttemptFacts,
  fields: Pick<AttemptOutcome, 'status' | 'result' | 'error' | 'completedAt' | 'statusCode'>,
): AttemptOutcome {
  return {
    taskId: task.id,
    leaseToken: task.leaseToken,
    fromStatus: 'processing',
    keepResult: false,
    retryCount: task.retryCount,
    runAt: null,
    waitDeadline: null,
    attemptStartedAt: startedAt,
    durationMs: Math.max(0, finishedAt.getTime() - startedAt.getTime()),
    ...fields,
  };
}
