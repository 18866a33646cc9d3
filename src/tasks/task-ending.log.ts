import { Logger } from '@nestjs/common';

/** A task that ended without success, as its one log line tells it. */
export interface TaskEnding {
  taskId: string;
  /** The task's queue (SPEC §9). */
  queue: string;
  status: 'failed' | 'timeout';
  /** The HTTP status of the answer that ended it; null when no answer did (network error, timeout, signal). */
  httpStatus: number | null;
  /** How many calls the task has made. */
  attempt: number;
}

const logger = new Logger('Tasks');

/**
 * SPEC §12: one `info` line for every task that ends `failed` or `timeout`. Only these fields,
 * on purpose: the task's error text may quote a target's answer, and its URL and headers may
 * carry credentials; the task itself (GET /v1/tasks/{id}) has the rest.
 */
export function logTaskEnding(ending: TaskEnding): void {
  const answer = ending.httpStatus === null ? '' : `, HTTP ${ending.httpStatus}`;
  const verb = ending.status === 'timeout' ? 'timed out' : 'failed';
  logger.log(ending, `Task ${ending.taskId} in queue "${ending.queue}" ${verb} (attempt ${ending.attempt}${answer})`);
}

/** A throttled answer (SPEC §9), as its one log line tells it. */
export interface TaskThrottling {
  taskId: string;
  queue: string;
  /** 429, or 503 with Retry-After. */
  httpStatus: number | null;
  attempt: number;
  throttledCount: number;
}

/**
 * SPEC §12: one `info` line per throttled answer. Never the Retry-After value or any other header:
 * only these fields.
 */
export function logTaskThrottled(throttling: TaskThrottling): void {
  logger.log(
    { ...throttling, status: 'throttled' },
    `Task ${throttling.taskId} in queue "${throttling.queue}" was throttled (attempt ${throttling.attempt}, HTTP ${throttling.httpStatus}, ${throttling.throttledCount} throttle(s) so far)`,
  );
}
