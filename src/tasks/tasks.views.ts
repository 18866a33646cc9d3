import type { Principal } from '../common/access/principal.js';
import type { TaskAttempt } from './entities/task-attempt.entity.js';
import type { PollConfig } from './rules/poll-config.js';
import type { Task, TaskResult } from './entities/task.entity.js';

/**
 * The task object of SPEC §6. Headers keep their `tok_` references; lease internals stay inside.
 * This is what read-only clients and completion webhooks see: no callback id (see TaskWriterView).
 */
export interface TaskView {
  id: string;
  teamId: string;
  status: string;
  targetUrl: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeout: number;
  maxWaitTime: number;
  delayUntil: Date | null;
  maxRetries: number;
  retryBackoff: string;
  priority: number;
  onCompleteUrl: string | null;
  waitForSignal: boolean;
  /** The built-in template the task polls with, if any. */
  provider: string | null;
  /** How the task polls (a provider's template, or its own config with defaults), or null. */
  pollConfig: PollConfig | null;
  retryCount: number;
  /** The schedule that made the task, or null (SPEC §10). */
  scheduleId: string | null;
  /** For a task a schedule made: the due time it was made for. */
  scheduledFor: Date | null;
  result: TaskResult | null;
  error: string | null;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  /** Delivery of the onCompleteUrl notification, once attempted. */
  onCompleteDelivery: {
    status: string;
    statusCode: number | null;
    error: string | null;
    at: Date | null;
  } | null;
}

/**
 * The task as holders of `tasks:write` see it. The callback id completes the task without a
 * credential, so it goes only to those who may create or change tasks anyway.
 */
export interface TaskWriterView extends TaskView {
  /** Set when the task mentions {asyncqueue_callback_url}: the id in its callback URL. */
  callbackId: string | null;
}

/** What the public signal and callback endpoints answer: how the task ended, nothing more. */
export interface TaskSummaryView {
  id: string;
  status: string;
  result: TaskResult | null;
  createdAt: Date;
  completedAt: Date | null;
}

export interface AttemptView {
  number: number;
  startedAt: Date;
  duration: number;
  statusCode: number | null;
  error: string | null;
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
    retryCount: task.retryCount,
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
