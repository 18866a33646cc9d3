import { Task } from '../entities/task.entity.js';
import type { NewTaskRow } from './task-insert.sql.js';

/**
 * The task a NewTaskRow became: its own values, and the column defaults of a fresh row. Lets a
 * batch insert return ids only. Typed as a whole Task, so a new column fails to compile here until
 * it is added; test/task-batch.e2e-spec.ts compares the result with the row read back.
 */
export function taskAsInserted(row: NewTaskRow): Task {
  const task: Task = {
    id: row.id,
    teamId: row.teamId,
    status: row.status,
    targetUrl: row.targetUrl,
    method: row.method as Task['method'],
    headers: row.headers,
    body: row.body,
    timeoutSeconds: row.timeoutSeconds,
    maxWaitSeconds: row.maxWaitSeconds,
    delayUntil: row.delayUntil,
    maxRetries: row.maxRetries,
    retryBackoff: row.retryBackoff as Task['retryBackoff'],
    priority: row.priority,
    onCompleteUrl: row.onCompleteUrl,
    retryCount: 0,
    attemptCount: 0,
    result: null,
    error: null,
    createdAt: row.createdAt,
    startedAt: null,
    completedAt: null,
    runAt: row.runAt,
    leaseOwner: null,
    leaseToken: 0,
    leaseExpiresAt: null,
    onCompleteState: null,
    onCompleteClaimedAt: null,
    onCompleteStatusCode: null,
    onCompleteError: null,
    onCompleteAt: null,
    waitForSignal: row.waitForSignal,
    signalTokenHash: row.signalTokenHash,
    callbackId: row.callbackId,
    callbackReceivedAt: null,
    provider: row.provider,
    pollConfig: row.pollConfig,
    scheduleId: row.scheduleId,
    scheduledFor: row.scheduledFor,
    waitDeadline: null,
    queue: row.queue,
    throttledCount: 0,
    gated: row.gated ?? false,
  };
  return Object.assign(new Task(), task);
}
