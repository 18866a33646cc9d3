import type { QueueRecord } from './persistence/queue.repository.js';

export class QueueRateLimitView {
  /** @example 50 */
  limit: number;
  /** Seconds. @example 1 */
  period: number;
}

/** Open tasks of a queue by status. */
export class QueueCountsView {
  pending: number;
  delayed: number;
  processing: number;
  waiting: number;
  polling: number;
}

/** A queue of SPEC §9. */
export class QueueView {
  /** @example 'openai' */
  name: string;
  paused: boolean;
  /** Calls in flight allowed across all processes; null: no limit. @example 8 */
  concurrency: number | null;
  /** Call starts allowed per rolling period; null: no limit. */
  rateLimit: QueueRateLimitView | null;
  /** Until when the queue holds its calls after its destination throttled one (governed queues only). */
  cooldownUntil: Date | null;
  counts: QueueCountsView;
  /** Milliseconds the oldest due, unclaimed task has waited; 0 if none. */
  oldestDueAgeMs: number;
  createdAt: Date;
}

export class QueueResponse {
  queue: QueueView;
}

export class QueueListResponse {
  queues: QueueView[];
}

export function toQueueView(queue: QueueRecord): QueueView {
  return {
    name: queue.name,
    paused: queue.paused,
    concurrency: queue.concurrency,
    rateLimit:
      queue.rateLimitLimit === null || queue.rateLimitPeriod === null
        ? null
        : { limit: queue.rateLimitLimit, period: queue.rateLimitPeriod },
    cooldownUntil: queue.cooldownUntil,
    counts: {
      pending: queue.counts.pending ?? 0,
      delayed: queue.counts.delayed ?? 0,
      processing: queue.counts.processing ?? 0,
      waiting: queue.counts.waiting ?? 0,
      polling: queue.counts.polling ?? 0,
    },
    oldestDueAgeMs: Math.round(Number(queue.oldestDueAgeMs)),
    createdAt: queue.createdAt,
  };
}
