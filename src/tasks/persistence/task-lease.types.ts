import type { SealedEnvelope, SealedToken } from '../../vault/sealed-envelope.js';
import type { Task, TaskResult } from '../entities/task.entity.js';
import type { TaskStatus } from '../rules/task-status.js';

/**
 * What a worker needs to make a call or a status check, and all a claim returns: the other
 * columns (timestamps, webhook state, secrets' hashes) would be parsed for every task for nothing.
 */
export const CLAIMED_TASK_FIELDS = [
  'id',
  'teamId',
  'targetUrl',
  'method',
  'headers',
  'body',
  'timeoutSeconds',
  'maxWaitSeconds',
  'maxRetries',
  'retryBackoff',
  'priority',
  'onCompleteUrl',
  'retryCount',
  'attemptCount',
  'result',
  'runAt',
  'leaseToken',
  'waitForSignal',
  'callbackId',
  'pollConfig',
  'queue',
  'throttledCount',
] as const satisfies readonly (keyof Task)[];

export type TaskToRun = Pick<Task, (typeof CLAIMED_TASK_FIELDS)[number]>;

export interface ClaimedTask {
  /** `call`: an attempt of the task's own request. `poll`: a status check of a polling task. */
  kind: 'call' | 'poll';
  task: TaskToRun;
  /** Envelopes of the active vault tokens its headers reference (missing = revoked). */
  sealedTokens: SealedToken[];
  sealedWebhookSecret: SealedEnvelope | null;
  /** Claimed through its queue's admission (concurrency, rateLimit): it counts against them until it ends. */
  gated?: boolean;
  /** Its queue has a rateLimit, whose rolling window counted this start at the claim. */
  rateLimited?: boolean;
}

/** How one call or status check ended, as the outcome write stores it. */
export interface AttemptOutcome {
  taskId: string;
  leaseToken: number;
  /** The status the claim left the task in; the write is fenced on it. */
  fromStatus: 'processing' | 'polling';
  status: TaskStatus;
  result: TaskResult | null;
  /** A status check that changed nothing keeps the stored result (the submit response). */
  keepResult: boolean;
  error: string | null;
  retryCount: number;
  /** Next due time: of a retry, or of a polling task's next status check. */
  runAt: Date | null;
  completedAt: Date | null;
  /** Set when the task starts waiting or polling: when it times out. */
  waitDeadline: Date | null;
  attemptStartedAt: Date;
  durationMs: number;
  statusCode: number | null;
  /** Set when the answer throttled the task (SPEC §9): its new throttledCount. */
  throttledCount?: number;
  /** Set with throttledCount: when a governed queue may call its destination again. */
  cooldownUntil?: Date | null;
}

/** A waiting or polling task that ran out of time and is now `timeout`. */
export interface ExpiredWait {
  id: string;
  queue: string;
  attemptCount: number;
}
