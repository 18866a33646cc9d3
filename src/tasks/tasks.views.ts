import { ApiProperty, ApiSchema, type ApiPropertyOptions } from '@nestjs/swagger';
import type { Principal } from '../common/access/principal.js';
import type { TaskAttempt } from './entities/task-attempt.entity.js';
import type { PollConfig, StatusValue } from './rules/poll-config.js';
import type { HttpMethod, RetryBackoff, TaskStatus } from './rules/task-status.js';
import type { Task, TaskResult } from './entities/task.entity.js';

/** The response of a call, as a task keeps it. */
export class CallResultView {
  /** @example 200 */
  statusCode: number;
  /** Response headers (cookies and credentials are not kept). */
  headers: Record<string, string>;
  /** The response body, at most 256 KiB: UTF-8 text, or base64 when `bodyEncoding` says so. */
  body: string;
  /** Present when the body was not text. */
  bodyEncoding?: 'base64';
  /**
   * Milliseconds from the request to the last byte of the answer.
   * @example 142
   */
  duration: number;
}

/** A job state is whatever the provider reports: a string, a number or a boolean. */
const STATUS_VALUES: ApiPropertyOptions = {
  type: 'array',
  items: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] },
};

/** How a task polls the job its call started (SPEC §8), with defaults filled in. */
export class PollConfigView implements PollConfig {
  /**
   * Status URL, usually built from the submit response.
   * @example '{startResult.body.urls.get}'
   */
  urlTemplate: string;
  /**
   * Where the job's state sits in the status response.
   * @example 'status'
   */
  statusPath: string;
  /** States that mean the job succeeded. */
  @ApiProperty({ ...STATUS_VALUES, example: ['succeeded'] })
  doneValues: StatusValue[];
  /** States that mean the job failed. */
  @ApiProperty({ ...STATUS_VALUES, example: ['failed', 'canceled'] })
  failValues: StatusValue[];
  /** Seconds between status checks. */
  interval: number;
  /** Where the result sits in the final status response (default: the whole response). */
  resultPath?: string;
  /** Where to fetch the result from once done, instead of the status response. */
  resultUrlTemplate?: string;
  /** Where the failure reason sits in the status response. */
  errorPath?: string;
  /** Send the task's headers (vault references resolved) with every status and result request. */
  forwardAuth: boolean;
  /** Seconds the task may poll before it times out; without it, maxWaitTime applies. */
  maxDuration?: number;
}

/** Delivery of the onCompleteUrl notification. */
export class CompletionDeliveryView {
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  /** The HTTP status the webhook answered with. */
  statusCode: number | null;
  error: string | null;
  at: Date | null;
}

/**
 * The task object of SPEC §6. Headers keep their `tok_` references; lease internals stay inside.
 * This is what read-only clients and completion webhooks see: no callback id (see TaskWriterView).
 */
export class TaskView {
  /** @example '0190aa00-0000-7000-8000-000000000000' */
  id: string;
  teamId: string;
  status: TaskStatus;
  /** @example 'https://example.com/' */
  targetUrl: string;
  method: HttpMethod;
  /** Request headers as created: vault references stay `tok_...`, never the secret. */
  headers: Record<string, string>;
  body: string | null;
  /** Seconds per attempt. */
  timeout: number;
  /** Seconds the task may stay waiting or polling. */
  maxWaitTime: number;
  delayUntil: Date | null;
  maxRetries: number;
  retryBackoff: RetryBackoff;
  priority: number;
  onCompleteUrl: string | null;
  waitForSignal: boolean;
  /** The built-in template the task polls with, if any. */
  provider: string | null;
  /** How the task polls (a provider's template, or its own config with defaults), or null. */
  pollConfig: PollConfigView | null;
  /** The team's queue it belongs to (SPEC §9). @example 'default' */
  queue: string;
  /** Retries made so far. */
  retryCount: number;
  /** Answers that throttled it (429, or 503 with Retry-After): deferred without using a retry. */
  throttledCount: number;
  /** The schedule that made the task, or null (SPEC §10). */
  scheduleId: string | null;
  /** For a task a schedule made: the due time it was made for. */
  scheduledFor: Date | null;
  /**
   * The last call's response; for a task that waited, what ended the wait (a callback's body in
   * this shape, or the JSON a signal or status check delivered).
   */
  @ApiProperty({ type: CallResultView, nullable: true })
  result: TaskResult | null;
  /** Why the task failed or timed out. */
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** Delivery of the onCompleteUrl notification, once attempted. */
  onCompleteDelivery: CompletionDeliveryView | null;
}

/**
 * The task as holders of `tasks:write` see it. The callback id completes the task without a
 * credential, so it goes only to those who may create or change tasks anyway.
 */
@ApiSchema({ name: 'Task' })
export class TaskWriterView extends TaskView {
  /**
   * Set when the task mentions {asyncqueue_callback_url}: the id in its callback URL. Shown only
   * to principals holding tasks:write.
   */
  callbackId?: string | null;
}

/** What the public signal and callback endpoints answer: how the task ended, nothing more. */
@ApiSchema({ name: 'TaskSummary' })
export class TaskSummaryView {
  id: string;
  status: TaskStatus;
  @ApiProperty({ type: CallResultView, nullable: true })
  result: TaskResult | null;
  createdAt: Date;
  completedAt: Date | null;
}

@ApiSchema({ name: 'Attempt' })
export class AttemptView {
  /** 1 for the first call; numbering continues after a retry. */
  number: number;
  startedAt: Date;
  /** Milliseconds. */
  duration: number;
  /** The answer's HTTP status; null when there was none. */
  statusCode: number | null;
  error: string | null;
}

export class TaskResponse {
  task: TaskWriterView;
}

export class CreatedTaskResponse {
  task: TaskWriterView;
  /** With waitForSignal: the one-time token for POST /v1/signals/{token}. Shown only here. */
  signalToken?: string;
  /** When the task mentions {asyncqueue_callback_url}: what it is replaced with. */
  callbackUrl?: string;
}

export class PaginationView {
  /**
   * Tasks matching the filter: exact up to 10,000; beyond that the database planner's estimate
   * (then `totalIsEstimate` is true), so the count never costs more as history grows.
   */
  total: number;
  /** Whether `total` is an estimate (more than 10,000 tasks match). */
  totalIsEstimate: boolean;
  /** @example 20 */
  limit: number;
  /** @example 0 */
  offset: number;
  hasMore: boolean;
  /**
   * Pass as `cursor` to get the next page (opaque; null on the last page). Deep pages cost the
   * same as the first, unlike `offset`.
   */
  nextCursor: string | null;
}

export class TaskListResponse {
  /** Newest first. */
  tasks: TaskWriterView[];
  pagination: PaginationView;
}

export class AttemptListResponse {
  attempts: AttemptView[];
}

export class TaskSummaryResponse {
  task: TaskSummaryView;
}

export function toTaskView(task: Task): TaskView {
  return {
    id: task.id,
    teamId: task.teamId,
    status: task.status,
    targetUrl: task.targetUrl,
    method: task.method,
    headers: task.headers,
    body: task.body,
    timeout: task.timeoutSeconds,
    maxWaitTime: task.maxWaitSeconds,
    delayUntil: task.delayUntil,
    maxRetries: task.maxRetries,
    retryBackoff: task.retryBackoff,
    priority: task.priority,
    onCompleteUrl: task.onCompleteUrl,
    waitForSignal: task.waitForSignal,
    provider: task.provider,
    pollConfig: task.pollConfig,
    queue: task.queue,
    retryCount: task.retryCount,
    throttledCount: task.throttledCount,
    scheduleId: task.scheduleId,
    scheduledFor: task.scheduledFor,
    result: task.result,
    error: task.error,
    createdAt: task.createdAt,
    startedAt: task.startedAt,
    completedAt: task.completedAt,
    onCompleteDelivery: task.onCompleteState
      ? {
          status: task.onCompleteState,
          statusCode: task.onCompleteStatusCode,
          error: task.onCompleteError,
          at: task.onCompleteAt,
        }
      : null,
  };
}

export function toTaskWriterView(task: Task): TaskWriterView {
  return { ...toTaskView(task), callbackId: task.callbackId };
}

/** The view a principal may see of its team's task: with the callback id only for writers. */
export function taskViewFor(principal: Principal): (task: Task) => TaskView | TaskWriterView {
  return principal.scopes.includes('tasks:write') ? toTaskWriterView : toTaskView;
}

export function toTaskSummaryView(task: Task): TaskSummaryView {
  return {
    id: task.id,
    status: task.status,
    result: task.result,
    createdAt: task.createdAt,
    completedAt: task.completedAt,
  };
}

export function toAttemptView(attempt: TaskAttempt): AttemptView {
  return {
    number: attempt.number,
    startedAt: attempt.startedAt,
    duration: attempt.durationMs,
    statusCode: attempt.statusCode,
    error: attempt.error,
  };
}
