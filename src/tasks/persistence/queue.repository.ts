import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../../database/sql.js';
import type { TaskStatus } from '../rules/task-status.js';
import {
  ANY_GATED_QUEUE_SQL,
  FIND_QUEUE_SQL,
  FORGET_UNGOVERNED_COOLDOWN_SQL,
  LIST_QUEUES_SQL,
  PUT_QUEUE_SQL,
  QUEUE_METRICS_SQL,
  RECENTLY_CHANGED_QUEUES_SQL,
  REGATE_BATCH_SQL,
} from './queues.sql.js';

/** A queue with what the API shows of its tasks. */
export interface QueueRecord {
  name: string;
  paused: boolean;
  concurrency: number | null;
  rateLimitLimit: number | null;
  rateLimitPeriod: number | null;
  cooldownUntil: Date | null;
  createdAt: Date;
  counts: Partial<Record<TaskStatus, number>>;
  oldestDueAgeMs: number;
}

export interface QueueMetricsRecord extends QueueRecord {
  teamId: string;
  inFlight: number;
}

/** A change of a queue's settings: a field left undefined stays as it is, null clears it. */
export interface QueueSettingsChange {
  paused?: boolean;
  concurrency?: number | null;
  rateLimit?: { limit: number; period: number } | null;
}

/**
 * The one home of the statements on `queues` and `queue_starts` (the gated claim is a task
 * statement: TaskRepository.claimGated). A settings change also brings the queue's open tasks in
 * line (tasks.gated), in batches of 1,000 rows, each its own short statement.
 */
@Injectable()
export class QueueRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  list(teamId: string): Promise<QueueRecord[]> {
    return queryRows<QueueRecord>(this.db, LIST_QUEUES_SQL, [teamId]);
  }

  async find(teamId: string, name: string): Promise<QueueRecord | null> {
    const [queue] = await queryRows<QueueRecord>(this.db, FIND_QUEUE_SQL, [teamId, name]);
    return queue ?? null;
  }

  /** Creates or changes the queue, then brings its open tasks in line with it. */
  async put(teamId: string, name: string, change: QueueSettingsChange): Promise<void> {
    await queryRows(this.db, PUT_QUEUE_SQL, [
      teamId,
      name,
      change.paused !== undefined,
      change.paused ?? null,
      change.concurrency !== undefined,
      change.concurrency ?? null,
      change.rateLimit !== undefined,
      change.rateLimit?.limit ?? null,
      change.rateLimit?.period ?? null,
    ]);
    await queryRows(this.db, FORGET_UNGOVERNED_COOLDOWN_SQL, [teamId, name]);
    await this.regate(teamId, name);
  }

  /** Sets tasks.gated of the queue's open tasks from its settings, 1,000 rows a statement. */
  async regate(teamId: string, name: string): Promise<number> {
    let position: [string, Date] = ['', new Date(0)];
    let total = 0;
    for (;;) {
      const [batch] = await queryRows<{ n: number; lastStatus: string | null; lastRunAt: Date | null }>(
        this.db,
        REGATE_BATCH_SQL,
        [teamId, name, ...position],
      );
      total += batch.n;
      if (batch.n < 1000 || batch.lastStatus === null || batch.lastRunAt === null) return total;
      position = [batch.lastStatus, batch.lastRunAt];
    }
  }

  /** Queues changed in the last minute, brought in line again (a task created during a change may have missed it). */
  async regateRecentlyChanged(): Promise<void> {
    const queues = await queryRows<{ teamId: string; name: string }>(this.db, RECENTLY_CHANGED_QUEUES_SQL);
    for (const { teamId, name } of queues) await this.regate(teamId, name);
  }

  async anyGated(): Promise<boolean> {
    const [row] = await queryRows<{ any: boolean }>(this.db, ANY_GATED_QUEUE_SQL, [], 'aq_any_gated_queue');
    return row?.any ?? false;
  }

  /** Per-queue figures for /metrics (at most 1,000 queues). */
  metrics(): Promise<QueueMetricsRecord[]> {
    return queryRows<QueueMetricsRecord>(this.db, QUEUE_METRICS_SQL);
  }
}
