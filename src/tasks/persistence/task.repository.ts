import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { QueueConnections } from '../../database/queue-connections.service.js';
import { queryRows } from '../../database/sql.js';
import { StatementBatcher } from '../../database/statement-batcher.js';
import type { Transaction } from '../../database/transaction.js';
import type { SealedEnvelope, SealedToken } from '../../vault/sealed-envelope.js';
import { TaskAttempt } from '../entities/task-attempt.entity.js';
import { Task } from '../entities/task.entity.js';
import { LEASE_MS } from '../rules/task-lease.js';
import type { ListPosition } from '../rules/list-cursor.js';
import type { TaskStatus } from '../rules/task-status.js';
import { claimCompletionWebhooksSql, RECORD_COMPLETION_WEBHOOK_SQL } from './completion-webhooks.sql.js';
import { cancelTaskSql, retryTaskSql } from './task-changes.sql.js';
import { BULK_CANCEL, BULK_RETRY, bulkBatchSql, bulkCountSql, type BulkChange } from './task-bulk.sql.js';
import {
  IDEMPOTENCY_KEY_SQL,
  INSERT_ALL_TASKS_IDEMPOTENTLY_SQL,
  INSERT_ALL_TASKS_SQL,
  insertFiredTasksSql,
  insertTaskIdempotentlySql,
  insertTasksSql,
  type NewTaskRow,
  type ReferenceSet,
} from './task-insert.sql.js';
import {
  claimGatedSql,
  claimSql,
  EXPIRE_WAITS_SQL,
  MS_UNTIL_NEXT_DUE_SQL,
  OUTCOMES_SQL,
  PROMOTE_DELAYED_SQL,
  REAP_EXPIRED_LEASES_SQL,
  HAND_BACK_SQL,
  RELEASE_SQL,
  RENEW_SQL,
} from './task-lease.sql.js';
import {
  CLAIMED_TASK_FIELDS,
  type AttemptOutcome,
  type ClaimedTask,
  type ExpiredWait,
  type TaskToRun,
} from './task-lease.types.js';
import {
  afterPositionCondition,
  ATTEMPTS_SQL,
  countTasksUpToSql,
  estimateTasksSql,
  findTasksSql,
  findTaskSql,
  listTasksSql,
  OPEN_TASKS_BY_STATUS_SQL,
} from './task-reads.sql.js';
import { taskAsInserted } from './task-as-inserted.js';
import { TaskRecords } from './task-records.js';
import {
  CLEAR_WAIT_SECRETS_SQL,
  DELETE_EXPIRED_IDEMPOTENCY_KEYS_SQL,
  DELETE_FINISHED_TASKS_SQL,
} from './task-sweeps.sql.js';
import {
  CALLBACK_STATE_SQL,
  resolveCallbackSql,
  resolveSignalSql,
  SIGNAL_STATE_SQL,
  UNWATCH_SQL,
  WATCH_SQL,
} from './task-waits.sql.js';

/** Group commit of creations (see StatementBatcher): concurrent inserts share one statement. */
const MAX_INSERT_ROWS = 100;
const MAX_INSERT_BYTES = 4 * 1024 * 1024;
const MAX_INSERTS_IN_FLIGHT = 2;

export type IdempotentInsert =
  | { kind: 'created'; task: Task }
  /** The key was claimed by an earlier request within 24 h. */
  | { kind: 'claimed'; requestHash: string; taskId: string }
  /** A vault reference is not usable (unknown, revoked, or bound elsewhere). */
  | { kind: 'refused' };

export type IdempotentBatchInsert =
  | { kind: 'created'; tasks: Task[] }
  /** The key was claimed by an earlier request within 24 h (taskIds: null when that was a single task). */
  | { kind: 'claimed'; requestHash: string; taskIds: string[] | null }
  | { kind: 'refused' };

/**
 * The tasks a bulk operation walks: one team, one status, created in [after, before), of one
 * queue and/or among some ids when given. Times are timestamptz text.
 */
export interface BulkSlice {
  teamId: string;
  status: TaskStatus;
  createdAfter: string;
  createdBefore: string;
  queue: string | null;
  ids: string[] | null;
}

/** Where a keyset walk stands: the last row it picked (created_at as microsecond-exact text). */
export interface BulkPosition {
  createdAt: string;
  id: string;
}

export interface BulkBatch {
  matched: number;
  changed: number;
  /** Null when the batch picked nothing. */
  last: BulkPosition | null;
}

export type BulkKind = 'cancel' | 'retry';

const BULK_CHANGES: Record<BulkKind, BulkChange> = { cancel: BULK_CANCEL, retry: BULK_RETRY };

/** Why a signal token or callback id matched no task it could end. */
export interface WaitState {
  status: TaskStatus;
  used: boolean;
  expired: boolean;
}

export interface TaskFilter {
  status?: TaskStatus;
  queue?: string;
}

/** One batch of a sweep: how many rows it removed, and where it ended (null when it removed none). */
export interface SweptBatch {
  n: number;
  last: string | null;
}

/** Up to this many matching tasks, a list's total is an exact count; beyond it, the planner's estimate. */
export const EXACT_TOTAL_CAP = 10_000;

export interface TaskPage {
  tasks: Task[];
  total: number;
  totalIsEstimate: boolean;
  /** The position of the page's last task when more follow (the next cursor), else null. */
  next: ListPosition | null;
}

/**
 * The one home of every statement on the task tables (tasks, task_attempts, idempotency_keys,
 * task_watches), for the API, the waiting routes and the executor alike. Each method is a single
 * statement, so no transaction is ever open while an HTTP call is in flight. The SQL text lives in
 * the *.sql.ts files beside this one, grouped by concern.
 */
@Injectable()
export class TaskRepository {
  private readonly records: TaskRecords;
  private readonly claimedColumns: string;
  private readonly claimStatements = new Map<number, string>();
  private readonly claimGatedStatement: string;
  private readonly inserts: StatementBatcher<NewTaskRow, Task | null>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly connections: QueueConnections,
  ) {
    this.records = new TaskRecords(db);
    this.claimedColumns = this.records.columnsOf(CLAIMED_TASK_FIELDS);
    this.claimGatedStatement = claimGatedSql(this.claimedColumns);
    this.inserts = new StatementBatcher((rows) => this.insertRows(rows), {
      maxInputs: MAX_INSERT_ROWS,
      maxStatementsInFlight: MAX_INSERTS_IN_FLIGHT,
      sizeOf: (row) => Buffer.byteLength(row.body ?? '') + row.targetUrl.length + 1024,
      maxSize: MAX_INSERT_BYTES,
    });
  }

  // Creation

  /**
   * Inserts the task unless one of its vault references is not usable (then null). Concurrent
   * creations share one INSERT, one commit and one WAL flush; the statement also wakes idle workers.
   */
  insert(row: NewTaskRow): Promise<Task | null> {
    return this.inserts.submit(row);
  }

  /** Inserts the task under an Idempotency-Key, or says why it did not. */
  async insertIdempotently(row: NewTaskRow, key: string, requestHash: string): Promise<IdempotentInsert> {
    const [task] = await this.records.query(insertTaskIdempotentlySql(this.records.columns), [
      JSON.stringify([row]),
      row.teamId,
      key,
      requestHash,
      row.id,
      row.createdAt,
    ]);
    if (task) return { kind: 'created', task };
    const [claim] = await queryRows<{ requestHash: string; taskId: string }>(this.db, IDEMPOTENCY_KEY_SQL, [
      row.teamId,
      key,
      row.createdAt,
    ]);
    return claim ? { kind: 'claimed', ...claim } : { kind: 'refused' };
  }

  /**
   * Inserts all the rows in one statement, in their order, or none of them (null) when one of their
   * vault references is not usable: a batch is all or nothing.
   */
  async insertAll(rows: NewTaskRow[]): Promise<Task[] | null> {
    const inserted = await queryRows<{ id: string }>(
      this.db,
      INSERT_ALL_TASKS_SQL,
      [JSON.stringify(rows), JSON.stringify(referenceSetsOf(rows))],
      'aq_task_insert_all',
    );
    return inserted.length === rows.length ? rows.map(taskAsInserted) : null;
  }

  /** insertAll under an Idempotency-Key that stands for the whole batch. */
  async insertAllIdempotently(rows: NewTaskRow[], key: string, requestHash: string): Promise<IdempotentBatchInsert> {
    const [{ teamId, createdAt }] = rows;
    const inserted = await queryRows<{ id: string }>(this.db, INSERT_ALL_TASKS_IDEMPOTENTLY_SQL, [
      JSON.stringify(rows),
      JSON.stringify(referenceSetsOf(rows)),
      teamId,
      key,
      requestHash,
      rows.map((row) => row.id),
      createdAt,
    ]);
    if (inserted.length === rows.length) return { kind: 'created', tasks: rows.map(taskAsInserted) };
    const [claim] = await queryRows<{ requestHash: string; taskIds: string[] | null }>(this.db, IDEMPOTENCY_KEY_SQL, [
      teamId,
      key,
      createdAt,
    ]);
    return claim ? { kind: 'claimed', requestHash: claim.requestHash, taskIds: claim.taskIds } : { kind: 'refused' };
  }

  /**
   * Inserts the tasks of due schedules on the firing's transaction, skipping any schedule and due
   * time that already has its task; returns the rows inserted.
   */
  insertFired(tx: Transaction, rows: NewTaskRow[]): Promise<Task[]> {
    return this.records.queryIn(tx, insertFiredTasksSql(this.records.columns), [JSON.stringify(rows)]);
  }

  private async insertRows(rows: NewTaskRow[]): Promise<(Task | null)[]> {
    const inserted = await this.records.query(
      insertTasksSql(this.records.columns),
      [JSON.stringify(rows)],
      'aq_task_insert_batch',
    );
    const byId = new Map(inserted.map((task) => [task.id, task]));
    return rows.map((row) => byId.get(row.id) ?? null);
  }

  // Reading

  async find(teamId: string, id: string): Promise<Task | null> {
    const [task] = await this.records.query(findTaskSql(this.records.columns), [id, teamId]);
    return task ?? null;
  }

  /** The team's tasks with these ids, in the order of `ids` (missing ones left out). */
  async findMany(teamId: string, ids: string[]): Promise<Task[]> {
    const found = await this.records.query(findTasksSql(this.records.columns), [ids, teamId]);
    const byId = new Map(found.map((task) => [task.id, task]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /**
   * A page of a team's tasks, newest first, after `page.after` (a cursor's position) when given,
   * and how many match in all: exact up to EXACT_TOTAL_CAP, estimated beyond, so neither the page
   * nor its total costs more as history grows.
   */
  async list(
    teamId: string,
    filter: TaskFilter,
    page: { limit: number; offset: number; after?: ListPosition },
  ): Promise<TaskPage> {
    const params: unknown[] = [teamId];
    let where = 't.team_id = $1';
    if (filter.status) {
      params.push(filter.status);
      where += ` AND t.status = $${params.length}`;
    }
    if (filter.queue) {
      params.push(filter.queue);
      where += ` AND t.queue = $${params.length}`;
    }
    let pageWhere = where;
    const pageParams = [...params];
    if (page.after) {
      pageParams.push(page.after.createdAt, page.after.id);
      pageWhere += ` AND ${afterPositionCondition(`$${pageParams.length - 1}`, `$${pageParams.length}`)}`;
    }
    const [rows, total] = await Promise.all([
      queryRows<Record<string, unknown>>(
        this.db,
        listTasksSql(this.records.columns, pageWhere, page.limit + 1, page.offset),
        pageParams,
      ),
      this.countUpToCap(where, params),
    ]);
    const more = rows.length > page.limit;
    const tasks = rows.slice(0, page.limit).map(({ listCreatedAt, ...columns }) => {
      const task = Object.assign(new Task(), columns);
      return { task, position: { createdAt: listCreatedAt as string, id: task.id } };
    });
    return {
      tasks: tasks.map((entry) => entry.task),
      total: total ?? Math.max(EXACT_TOTAL_CAP + 1, await this.estimate(where, params)),
      totalIsEstimate: total === null,
      next: more ? tasks[tasks.length - 1].position : null,
    };
  }

  /** The exact count, or null when more than EXACT_TOTAL_CAP match. */
  private async countUpToCap(where: string, params: unknown[]): Promise<number | null> {
    const [{ total }] = await queryRows<{ total: number }>(this.db, countTasksUpToSql(where, EXACT_TOTAL_CAP), params);
    return total > EXACT_TOTAL_CAP ? null : total;
  }

  private async estimate(where: string, params: unknown[]): Promise<number> {
    const [row] = await queryRows<{ 'QUERY PLAN': unknown }>(this.db, estimateTasksSql(where), params);
    const plan = (typeof row['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row['QUERY PLAN']) as {
      Plan: { 'Plan Rows': number };
    }[];
    return Math.round(plan[0].Plan['Plan Rows']);
  }

  async attempts(taskId: string): Promise<TaskAttempt[]> {
    const rows = await queryRows<Record<string, unknown>>(this.db, ATTEMPTS_SQL, [taskId]);
    return rows.map((row) => Object.assign(new TaskAttempt(), row));
  }

  /** Unfinished tasks of every team by status (queue depth). */
  async countOpenByStatus(): Promise<Map<TaskStatus, number>> {
    const rows = await queryRows<{ status: TaskStatus; n: number }>(this.db, OPEN_TASKS_BY_STATUS_SQL);
    return new Map(rows.map((row) => [row.status, row.n]));
  }

  // A team's changes

  /** The cancelled task, or null when it was not pending or delayed (or is not the team's). */
  async cancel(teamId: string, id: string, at: Date): Promise<Task | null> {
    const [task] = await this.records.query(cancelTaskSql(this.records.columns), [id, teamId, at]);
    return task ?? null;
  }

  /** The re-queued task, or null when it was not failed or timed out (or is not the team's). */
  async retry(teamId: string, id: string, at: Date): Promise<Task | null> {
    const [task] = await this.records.query(retryTaskSql(this.records.columns), [id, teamId, at]);
    return task ?? null;
  }

  // Ending waits from outside (SPEC §8)

  async resolveSignal(
    tokenHash: string,
    signal: { status: TaskStatus; result: string | null; error: string | null },
  ): Promise<Task | null> {
    const [task] = await this.records.query(resolveSignalSql(this.records.columns), [
      tokenHash,
      signal.status,
      signal.result !== null,
      signal.result,
      signal.error,
    ]);
    return task ?? null;
  }

  async signalState(tokenHash: string): Promise<WaitState | null> {
    const [state] = await queryRows<WaitState>(this.db, SIGNAL_STATE_SQL, [tokenHash]);
    return state ?? null;
  }

  /** `result`: the task's result as JSON text. */
  async resolveCallback(callbackId: string, result: string): Promise<Task | null> {
    const [task] = await this.records.query(resolveCallbackSql(this.records.columns), [callbackId, result]);
    return task ?? null;
  }

  async callbackState(callbackId: string): Promise<WaitState | null> {
    const [state] = await queryRows<WaitState>(this.db, CALLBACK_STATE_SQL, [callbackId]);
    return state ?? null;
  }

  /** Status changes of watched tasks are announced on TASK_STATUS_CHANNEL (see the status trigger). */
  async watch(taskId: string, watchId: string, seconds: number): Promise<void> {
    await queryRows(this.db, WATCH_SQL, [taskId, watchId, seconds]);
  }

  async unwatch(taskId: string, watchId: string): Promise<void> {
    await queryRows(this.db, UNWATCH_SQL, [taskId, watchId]);
  }

  // The lease cycle (the executor)

  /** Opens the executor's own connections, so a worker's first tasks do not wait for them. */
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

  /**
   * Claims up to `limit` due tasks of queues that hold tasks back (paused, concurrency, rateLimit),
   * as many as each queue admits right now; see aq_claim_gated. Limits hold across processes: a
   * queue is admitted under its row lock, and calls in flight are counted from live leases.
   */
  async claimGated(owner: string, limit: number, windowGuardMs: number): Promise<ClaimedTask[]> {
    const rows = await this.connections.claim<Record<string, unknown>>(
      this.claimGatedStatement,
      [owner, LEASE_MS / 1000, Math.max(1, Math.floor(limit)), windowGuardMs],
      'aq_claim_gated',
    );
    return rows.map(({ isPoll, rateLimited, sealedTokens, sealedWebhookSecret, ...columns }) => ({
      kind: isPoll ? ('poll' as const) : ('call' as const),
      task: columns as unknown as TaskToRun,
      sealedTokens: sealedTokens as SealedToken[],
      sealedWebhookSecret: sealedWebhookSecret as SealedEnvelope | null,
      gated: true,
      rateLimited: rateLimited === true,
    }));
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

  /** Extends the leases of the given in-flight tasks of this worker. */
  async renew(owner: string, taskIds: string[]): Promise<void> {
    await queryRows(this.db, RENEW_SQL, [owner, taskIds, LEASE_MS / 1000]);
  }

  /** Hands back claimed tasks whose call never started, runnable at once. */
  async handBack(owner: string, taskIds: string[]): Promise<number> {
    return (await queryRows<{ id: string }>(this.db, HAND_BACK_SQL, [owner, taskIds])).length;
  }

  /** Graceful shutdown: hands back every task this worker still holds, runnable at once. */
  async release(owner: string): Promise<number> {
    return (await queryRows<{ id: string }>(this.db, RELEASE_SQL, [owner])).length;
  }

  /** Tasks whose worker stopped renewing (crashed, killed, partitioned) go back to pending. */
  async reapExpiredLeases(): Promise<number> {
    return (await queryRows<{ id: string }>(this.db, REAP_EXPIRED_LEASES_SQL)).length;
  }

  /** Delayed tasks whose time has come show as pending (they are claimable either way). */
  async promoteDelayed(): Promise<void> {
    await queryRows(this.db, PROMOTE_DELAYED_SQL);
  }

  /** Milliseconds until the earliest runnable task is due (0 if one is due now), or null. */
  async msUntilNextDue(): Promise<number | null> {
    const [row] = await queryRows<{ ms: number | null }>(this.db, MS_UNTIL_NEXT_DUE_SQL, [], 'aq_next_due');
    if (row?.ms === null || row?.ms === undefined) return null;
    return Math.max(0, Number(row.ms));
  }

  /**
   * Waiting and polling tasks past their deadline end as `timeout` (their completion webhook is
   * queued in the same statement). A status check still in flight loses its fenced write.
   */
  async expireWaits(): Promise<ExpiredWait[]> {
    const rows = await queryRows<{ id: string; queue: string; attempt_count: number }>(
      this.db,
      EXPIRE_WAITS_SQL,
      [],
      'aq_expire_waits',
    );
    return rows.map((row) => ({ id: row.id, queue: row.queue, attemptCount: row.attempt_count }));
  }

  // Lifecycle sweeps (SPEC §11): each call is one short statement on at most `limit` rows, starting
  // at `after`, where the previous batch of the pass ended (see task-sweeps.sql.ts)

  /** Deletes up to `limit` tasks that finished more than `olderThanMs` ago, with their attempts. */
  deleteFinished(olderThanMs: number, limit: number, after: string): Promise<SweptBatch> {
    return this.sweep(DELETE_FINISHED_TASKS_SQL, [limit, olderThanMs, after], 'aq_sweep_finished');
  }

  /** Clears the callback ids and signal token hashes of up to `limit` tasks completed or cancelled more than `olderThanMs` ago. */
  clearWaitSecrets(olderThanMs: number, limit: number, after: string): Promise<SweptBatch> {
    return this.sweep(CLEAR_WAIT_SECRETS_SQL, [limit, olderThanMs, after], 'aq_sweep_wait_secrets');
  }

  /** Deletes up to `limit` idempotency keys older than 24 hours. */
  deleteExpiredIdempotencyKeys(limit: number, after: string): Promise<SweptBatch> {
    return this.sweep(DELETE_EXPIRED_IDEMPOTENCY_KEYS_SQL, [limit, after], 'aq_sweep_idempotency_keys');
  }

  private async sweep(sql: string, params: unknown[], name: string): Promise<SweptBatch> {
    const [row] = await queryRows<SweptBatch>(this.db, sql, params, name);
    return row ?? { n: 0, last: null };
  }

  // Completion webhooks

  /** Takes up to `limit` webhooks due for delivery (and abandoned ones older than `staleSeconds`). */
  claimCompletionWebhooks(limit: number, staleSeconds: number): Promise<Task[]> {
    return this.records.query(claimCompletionWebhooksSql(this.records.columns), [limit, staleSeconds]);
  }

  async recordCompletionWebhook(
    taskId: string,
    delivery: { state: 'delivered' | 'failed'; statusCode: number | null; error: string | null },
  ): Promise<void> {
    await queryRows(this.db, RECORD_COMPLETION_WEBHOOK_SQL, [
      taskId,
      delivery.state,
      delivery.statusCode,
      delivery.error,
    ]);
  }

  // Bulk changes by filter (SPEC §9)

  /** The statuses a bulk change takes, in the order they are walked. */
  bulkStatuses(kind: BulkKind): readonly TaskStatus[] {
    return BULK_CHANGES[kind].from as readonly TaskStatus[];
  }

  /**
   * Changes one batch (at most BULK_BATCH_ROWS) of the slice at `at`: the next rows before
   * `position`, newest first, or all of `slice.ids`. One statement, one short transaction.
   */
  async bulkChangeBatch(kind: BulkKind, slice: BulkSlice, position: BulkPosition, at: Date): Promise<BulkBatch> {
    const byIds = slice.ids !== null;
    const params: unknown[] = [slice.teamId, slice.status, slice.createdAfter, slice.createdBefore, slice.queue, at];
    params.push(...(byIds ? [slice.ids] : [position.createdAt, position.id]));
    const [row] = await queryRows<{
      matched: number;
      changed: number;
      lastCreatedAt: string | null;
      lastId: string | null;
    }>(this.db, bulkBatchSql(BULK_CHANGES[kind], byIds), params, `aq_bulk_${kind}${byIds ? '_ids' : ''}`);
    const last =
      row.lastCreatedAt !== null && row.lastId !== null ? { createdAt: row.lastCreatedAt, id: row.lastId } : null;
    return { matched: row.matched, changed: row.changed, last };
  }

  /** How many tasks of the slice there are now (dryRun): one count, no locks. */
  async bulkCount(slice: BulkSlice): Promise<number> {
    const byIds = slice.ids !== null;
    const params: unknown[] = [slice.teamId, slice.status, slice.createdAfter, slice.createdBefore, slice.queue];
    if (byIds) params.push(slice.ids);
    const [row] = await queryRows<{ matched: number }>(this.db, bulkCountSql(byIds), params);
    return row.matched;
  }
}

/** The distinct vault requirements of some rows: a batch that references one token checks it once. */
function referenceSetsOf(rows: NewTaskRow[]): ReferenceSet[] {
  const sets = new Map<string, ReferenceSet>();
  for (const { teamId, tokenIds, tokenDestinations } of rows) {
    if (tokenIds.length === 0) continue;
    const key = `${tokenIds.join(' ')}|${tokenDestinations.map((entries) => entries.join(' ')).join('|')}`;
    if (!sets.has(key)) sets.set(key, { teamId, tokenIds, tokenDestinations });
  }
  return [...sets.values()];
}
