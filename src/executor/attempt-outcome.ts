import type { TaskResult, Task } from '../tasks/entities/task.entity.js';
import { statusText } from './egress.service.js';
import type { AttemptOutcome } from './task-lease.store.js';
import { OutboundFailure, type OutboundResponse } from './outbound.types.js';
import { backoffSeconds } from './retry-policy.js';

export type AttemptLabel = 'completed' | 'retried' | 'failed';

interface AttemptFacts {
  task: Task;
  startedAt: Date;
  finishedAt: Date;
}

/**
 * SPEC §7: any response below 500 completes the task; 5xx, network errors and timeouts are
 * retried with backoff while retries remain; a blocked address or an unusable vault reference
 * fails at once.
 */
export function outcomeOfResponse(facts: AttemptFacts, response: OutboundResponse): AttemptOutcome {
  if (response.statusCode < 500) {
    const result: TaskResult = {
      statusCode: response.statusCode,
      headers: response.headers,
      body: response.body,
      duration: response.duration,
    };
    return base(facts, {
      status: 'completed',
      result,
      error: null,
      completedAt: facts.finishedAt,
      statusCode: response.statusCode,
    });
  }
  const error = `Server error: HTTP ${response.statusCode} - ${statusText(response.statusCode)}`;
  return retryOrFail(facts, error, response.statusCode, {
    statusCode: response.statusCode,
    headers: response.headers,
    body: response.body,
    duration: response.duration,
  });
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

export function labelOf(outcome: AttemptOutcome): AttemptLabel {
  if (outcome.status === 'completed') return 'completed';
  return outcome.status === 'pending' ? 'retried' : 'failed';
}

function retryOrFail(
  facts: AttemptFacts,
  error: string,
  statusCode: number | null,
  result: TaskResult | null,
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
    retryCount: task.retryCount,
    runAt: null,
    attemptStartedAt: startedAt,
    durationMs: Math.max(0, finishedAt.getTime() - startedAt.getTime()),
    ...fields,
  };
}
