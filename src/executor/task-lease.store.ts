import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { QueueConnections } from '../database/queue-connections.service.js';
import { queryRows } from '../database/sql.js';
import type { Task, TaskResult } from '../tasks/entities/task.entity.js';
import type { SealedEnvelope, SealedToken } from '../vault/vault-sql.js';
import { TaskRecords } from '../tasks/task-records.js';
import { claimSql, OUTCOMES_SQL } from './task-lease.sql.js';
import type { TaskStatus } from '../tasks/task-status.js';

/** How long a claim is valid without a heartbeat; workers renew every LEASE_RENEW_MS. */
export const LEASE_MS = 15_000;
export const LEASE_RENEW_MS = 5_000;

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
] as const satisfies readonly (keyof Task)[];

export type TaskToRun = Pick<Task, (typeof CLAIMED_TASK_FIELDS)[number]>;

export interface ClaimedTask {
  /** `call`: an attempt of the task's own request. `poll`: a status check of a polling task. */
  kind: 'call' | 'poll';
  task: TaskToRun;
  /** Envelopes of the active vault tokens its headers reference (missing = revoked). */
  sealedTokens: SealedToken[];
  sealedWebhookSecret: SealedEnvelope | null;
}

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
}

/**
 * Every statement the executor runs against the tasks table. Each is a single statement, so no
 * transaction is ever open while an HTTP call is in flight.
 */
@Injectable()
export class TaskLeaseStore {
  private readonly records: TaskRecords;
  private readonly claimedColumns: string;
  private readonly claimStatements = new Map<number, string>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly connections: QueueConnections,
  ) {
    this.records = new TaskRecords(db);
    this.claimedColumns = this.records.columnsOf(CLAIMED_TASK_FIELDS);
  }

  openConnections(): Promise<void> {
    return this.connections.connect();
  }

  /**
   * Claims up to `limit` due tasks, with the sealed vault envelopes they will need (opened only at
   * dispatch), highest priority then earliest due time first. SKIP LOCKED lets any number of
   * workers claim at once without waiting on each other; the fencing token (lease_token) grows with
   * every claim so a late write from an earlier holder matches nothing. A polling task stays
   * `polling` while its status is checked: its next due time moves a lease ahead instead, so a
   * worker that dies mid-check simply lets it come due again.
   *
   * The claim commits asynchronously (see QueueConnections): a claim lost in a database crash
   * leaves the task runnable, so it runs again, a duplicate at-least-once delivery allows.
   */
  async claim(owner: string, limit: number): Promise<ClaimedTask[]> {
    const batch = Math.max(1, Math.floor(limit));
    const rows = await this.connections.claim<Record<string, unknown>>(
      this.claimStatement(batch),
      [owner, LEASE_MS / 1000],
      `aq_claim_${batch}`,
    );
    return rows
      .map(({ isPoll, sealedTokens, sealedWebhookSecret, ...columns }) => ({
        kind: isPoll ? ('poll' as const) : ('call' as const),
        task: columns as unknown as TaskToRun,
        sealedTokens: sealedTokens as SealedToken[],
        sealedWebhookSecret: sealedWebhookSecret as SealedEnvelope | null,
      }))
      .sort((a, b) => b.task.priority - a.task.priority || a.task.runAt.getTime() - b.task.runAt.getTime());
  }

  private claimStatement(limit: number): string {
    let sql = this.claimStatements.get(limit);
    if (sql === undefined) {
      sql = claimSql(this.claimedColumns, limit);
      this.claimStatements.set(limit, sql);
    }
    return sql;
  }

  /**
   * Writes many outcomes in one statement: the task rows (fenced by lease token and the status the
   * claim left) and, for calls, their attempt records. Returns the ids whose write took effect.
   */
  async complete(outcomes: AttemptOutcome[]): Promise<Set<string>> {
    if (outcomes.length === 0) return new Set();
    const rows = await this.connections.writeOutcomes<{ id: string }>(
      OUTCOMES_SQL,
      [JSON.stringify(outcomes)],
      'aq_complete',
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Extends the leases of the given in-flight tasks. Rows locked by a completion write are
   * skipped rather than waited for, so renewal and completion can never deadlock.
   */
  async renew(owner: string, taskIds: string[]): Promise<void> {
    await this.db.query(
      `UPDATE tasks SET lease_expires_at = now() + make_interval(secs => $3),
         run_at = CASE WHEN status = 'polling' THEN now() + make_interval(secs => $3) ELSE run_at END
       WHERE id IN (
         SELECT id FROM tasks
         WHERE id = ANY($2::uuid[]) AND lease_owner = $1 AND status IN ('processing', 'polling')
         FOR UPDATE SKIP LOCKED)`,
      [owner, taskIds, LEASE_MS / 1000],
    );
  }

  /**
   * Graceful shutdown: hands back every task this worker still holds, runnable at once. A task
   * whose status check was cut short stays polling, due now.
   */
  async release(owner: string): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      `UPDATE tasks SET status = CASE WHEN status = 'processing' THEN 'pending' ELSE status END,
         attempt_count = CASE WHEN status = 'processing' THEN attempt_count - 1 ELSE attempt_count END,
         lease_owner = NULL, lease_expires_at = NULL, run_at = now()
       WHERE lease_owner = $1 AND status IN ('processing', 'polling') RETURNING id`,
      [owner],
    );
    return rows.length;
  }

  /**
   * Tasks whose worker stopped renewing (crashed, killed, partitioned) go back to pending; the
   * abandoned attempt is recorded so the history shows the gap.
   */
  async reapExpiredLeases(): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      `WITH reaped AS (
         UPDATE tasks SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, run_at = now()
         WHERE id IN (
           SELECT id FROM tasks WHERE status = 'processing' AND lease_expires_at < now()
           FOR UPDATE SKIP LOCKED)
         RETURNING id, attempt_count, started_at),
       attempts AS (
         INSERT INTO task_attempts (task_id, number, started_at, duration_ms, status_code, error)
         SELECT id, attempt_count, COALESCE(started_at, now()), 0, NULL, 'Worker lost its lease; attempt abandoned'
         FROM reaped ON CONFLICT (task_id, number) DO NOTHING)
       SELECT id FROM reaped`,
    );
    return rows.length;
  }

  /** Delayed tasks whose time has come show as pending (they are claimable either way). */
  async promoteDelayed(): Promise<void> {
    await this.db.query(`UPDATE tasks SET status = 'pending' WHERE status = 'delayed' AND run_at <= now()`);
  }

  /** Milliseconds until the earliest runnable task is due (0 if one is due now), or null. */
  async msUntilNextDue(): Promise<number | null> {
    // No clamping in SQL: GREATEST(0, NULL) is 0, which would turn "nothing queued" into "due now".
    const [row] = await queryRows<{ ms: number | null }>(
      this.db,
      `SELECT (EXTRACT(EPOCH FROM (min(run_at) - now())) * 1000)::float8 AS ms
       FROM tasks WHERE status IN ('pending', 'delayed', 'polling')`,
      [],
      'aq_next_due',
    );
    if (row?.ms === null || row?.ms === undefined) return null;
    return Math.max(0, Number(row.ms));
  }

  /**
   * Waiting and polling tasks past their deadline end as `timeout` (their completion webhook is
   * queued in the same statement). A status check still in flight loses its fenced write.
   */
  async expireWaits(): Promise<number> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      `UPDATE tasks t SET status = 'timeout', completed_at = now(), lease_owner = NULL, lease_expires_at = NULL,
         error = CASE WHEN t.status = 'polling'
           THEN format('Polling did not finish within %s seconds',
             COALESCE((t.poll_config->>'maxDuration')::numeric, t.max_wait_seconds))
           ELSE format('No signal or callback arrived within %s seconds', t.max_wait_seconds) END,
         on_complete_state = CASE WHEN t.on_complete_url IS NULL THEN t.on_complete_state ELSE 'pending' END
       WHERE t.id IN (
         SELECT id FROM tasks WHERE status IN ('waiting', 'polling') AND wait_deadline <= now()
         LIMIT 500 FOR UPDATE SKIP LOCKED)
       RETURNING t.id`,
      [],
      'aq_expire_waits',
    );
    return rows.length;
  }
}
