import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { TASK_DUE_CHANNEL } from '../database/notification-listener.service.js';
import { activeVaultTokensCondition } from '../vault/vault-sql.js';
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
}

interface Waiting {
  row: NewTaskRow;
  bytes: number;
  resolve: (task: Task | null) => void;
  reject: (error: unknown) => void;
}

const MAX_ROWS = 100;
const MAX_BYTES = 4 * 1024 * 1024;
const MAX_STATEMENTS_IN_FLIGHT = 2;

/**
 * Group commit for task creation. Concurrent creations share one INSERT (and so one commit, one
 * WAL flush, one round trip): while statements are in flight, new rows queue and go together in
 * the next one. A lone request is sent at once, so there is no added latency at low load. Each row
 * checks its own vault references inside the statement; a refused row comes back as null.
 *
 * The statement also wakes idle workers when it adds a due task. A separate NOTIFY afterwards
 * (TaskWakeNotifier) would put one more round trip between a task's creation and its call, and
 * cost the database a transaction per batch. NOTIFY serializes the commits that carry one, which
 * is harmless here: at most MAX_STATEMENTS_IN_FLIGHT of them are in flight.
 */
@Injectable()
export class TaskInsertBatcher {
  private readonly records: TaskRecords;
  private readonly queue: Waiting[] = [];
  private inFlight = 0;

  constructor(@InjectDataSource() db: DataSource) {
    this.records = new TaskRecords(db);
  }

  insert(row: NewTaskRow): Promise<Task | null> {
    return new Promise((resolve, reject) => {
      const bytes = Buffer.byteLength(row.body ?? '') + row.targetUrl.length + 1024;
      this.queue.push({ row, bytes, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_STATEMENTS_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      void this.write(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private takeBatch(): Waiting[] {
    let bytes = 0;
    let count = 0;
    while (
      count < this.queue.length &&
      count < MAX_ROWS &&
      (count === 0 || bytes + this.queue[count].bytes <= MAX_BYTES)
    ) {
      bytes += this.queue[count].bytes;
      count += 1;
    }
    return this.queue.splice(0, count);
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const inserted = new Map((await this.insertRows(batch.map((entry) => entry.row))).map((task) => [task.id, task]));
      for (const entry of batch) entry.resolve(inserted.get(entry.row.id) ?? null);
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // One bad row must not fail its neighbours: each is tried alone, and only its own fails.
      await Promise.all(batch.map((entry) => this.write([entry])));
    }
  }

  private insertRows(rows: NewTaskRow[]): Promise<Task[]> {
    // `woken` runs only because the final WHERE reads it, and only when a row was inserted.
    return this.records.query(
      `WITH inserted AS (
         ${insertTasksFromJson('$1')}
         WHERE cardinality(i."tokenIds") = 0 OR ${activeVaultTokensCondition('i."teamId"', 'i."tokenIds"')}
         RETURNING ${this.records.columns}),
       woken AS (SELECT pg_notify('${TASK_DUE_CHANNEL}', '') FROM inserted WHERE status = 'pending' LIMIT 1)
       SELECT * FROM inserted WHERE (SELECT count(*) FROM woken) >= 0`,
      [JSON.stringify(rows)],
      'aq_task_insert_batch',
    );
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
      provider text, "pollConfig" jsonb, "tokenIds" text[])`;
}
