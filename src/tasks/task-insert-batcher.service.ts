import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { TASK_DUE_CHANNEL } from '../database/notification-listener.service.js';
import { StatementBatcher } from '../database/statement-batcher.js';
import { usableVaultTokensCondition } from '../vault/vault-sql.js';
import type { PollConfig } from '../waiting/poll-config.js';
import type { Task } from './entities/task.entity.js';
import { TaskRecords } from './task-records.js';

/** A new task as the insert writes it, plus the vault tokens its headers reference. */
export interface NewTaskRow {
  id: string;
  teamId: string;
  status: 'pending' | 'delayed';
  targetUrl: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutSeconds: number;
  maxWaitSeconds: number;
  delayUntil: Date | null;
  maxRetries: number;
  retryBackoff: string;
  priority: number;
  onCompleteUrl: string | null;
  createdAt: Date;
  runAt: Date;
  waitForSignal: boolean;
  signalTokenHash: string | null;
  callbackId: string | null;
  provider: string | null;
  pollConfig: PollConfig | null;
  /** Must all be active vault tokens of the team, or the row is not inserted. */
  tokenIds: string[];
  /**
   * Per host the task sends its vault references to, the allowedHosts entries that admit it
   * (entriesAdmitting()): each bound token among tokenIds must hold one of each, or the row is not
   * inserted.
   */
  tokenDestinations: string[][];
}

const MAX_ROWS = 100;
const MAX_BYTES = 4 * 1024 * 1024;
const MAX_STATEMENTS_IN_FLIGHT = 2;

/**
 * Group commit for task creation (see StatementBatcher): concurrent creations share one INSERT,
 * one commit and one WAL flush. Each row checks its own vault references (active, and bound to
 * hosts that admit the task's destinations) inside the statement; a refused row comes back as null.
 *
 * The statement also wakes idle workers when it adds a due task. A separate NOTIFY afterwards
 * (TaskWakeNotifier) would put one more round trip between a task's creation and its call, and
 * cost the database a transaction per batch. NOTIFY serializes the commits that carry one, which
 * is harmless here: at most MAX_STATEMENTS_IN_FLIGHT of them are in flight.
 */
@Injectable()
export class TaskInsertBatcher {
  private readonly records: TaskRecords;
  private readonly batcher: StatementBatcher<NewTaskRow, Task | null>;

  constructor(@InjectDataSource() db: DataSource) {
    this.records = new TaskRecords(db);
    this.batcher = new StatementBatcher((rows) => this.insertRows(rows), {
      maxInputs: MAX_ROWS,
      maxStatementsInFlight: MAX_STATEMENTS_IN_FLIGHT,
      sizeOf: (row) => Buffer.byteLength(row.body ?? '') + row.targetUrl.length + 1024,
      maxSize: MAX_BYTES,
    });
  }

  insert(row: NewTaskRow): Promise<Task | null> {
    return this.batcher.submit(row);
  }

  private async insertRows(rows: NewTaskRow[]): Promise<(Task | null)[]> {
    // `woken` runs only because the final WHERE reads it, and only when a row was inserted.
    const inserted = await this.records.query(
      `WITH inserted AS (
         ${insertTasksFromJson('$1')}
         WHERE cardinality(i."tokenIds") = 0
           OR ${usableVaultTokensCondition('i."teamId"', 'i."tokenIds"', 'i."tokenDestinations"')}
         RETURNING ${this.records.columns}),
       woken AS (SELECT pg_notify('${TASK_DUE_CHANNEL}', '') FROM inserted WHERE status = 'pending' LIMIT 1)
       SELECT * FROM inserted WHERE (SELECT count(*) FROM woken) >= 0`,
      [JSON.stringify(rows)],
      'aq_task_insert_batch',
    );
    const byId = new Map(inserted.map((task) => [task.id, task]));
    return rows.map((row) => byId.get(row.id) ?? null);
  }
}

/**
 * INSERT … SELECT from a JSON array of NewTaskRow (parameter `rows`), with the source rows as `i`
 * for a WHERE clause to follow. JSON carries every value's type, so one statement fits any number
 * of rows.
 */
export function insertTasksFromJson(rows: string): string {
  return `INSERT INTO tasks AS t (id, team_id, status, target_url, method, headers, body, timeout_seconds,
      max_wait_seconds, delay_until, max_retries, retry_backoff, priority, on_complete_url, created_at, run_at,
      wait_for_signal, signal_token_hash, callback_id, provider, poll_config)
    SELECT i.id, i."teamId", i.status, i."targetUrl", i.method, i.headers, i.body, i."timeoutSeconds",
      i."maxWaitSeconds", i."delayUntil", i."maxRetries", i."retryBackoff", i.priority, i."onCompleteUrl",
      i."createdAt", i."runAt", i."waitForSignal", i."signalTokenHash", i."callbackId", i.provider, i."pollConfig"
    FROM jsonb_to_recordset(${rows}::jsonb) AS i(
      id uuid, "teamId" uuid, status text, "targetUrl" text, method text, headers jsonb, body text,
      "timeoutSeconds" int, "maxWaitSeconds" int, "delayUntil" timestamptz, "maxRetries" int,
      "retryBackoff" text, priority smallint, "onCompleteUrl" text, "createdAt" timestamptz,
      "runAt" timestamptz, "waitForSignal" boolean, "signalTokenHash" text, "callbackId" text,
      provider text, "pollConfig" jsonb, "tokenIds" text[], "tokenDestinations" jsonb)`;
}
