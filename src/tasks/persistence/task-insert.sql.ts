import { TASK_DUE_CHANNEL } from '../../database/notification-listener.service.js';
import type { PollConfig } from '../rules/poll-config.js';
import { usableVaultTokensCondition } from './vault-envelopes.sql.js';

/** A new task as the insert writes it, plus what its vault references must satisfy. */
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
  /** For a task a schedule makes: the schedule and the due time (one task per pair, see insertFiredTasksSql). */
  scheduleId: string | null;
  scheduledFor: Date | null;
  /** The team's queue (SPEC §9); created by the insert when new. */
  queue: string;
  /** Filled in by the insert from the queue's settings; set here only to describe a row inserted. */
  gated?: boolean;
  /** Must all be active vault tokens of the team, or the row is not inserted. */
  tokenIds: string[];
  /**
   * Per host the task sends its vault references to, the allowedHosts entries that admit it
   * (entriesAdmitting()): each bound token among tokenIds must hold one of each, or the row is not
   * inserted.
   */
  tokenDestinations: string[][];
}

/** Whether source row `i` goes to a queue that holds tasks back: then only the gated claim takes it. */
const QUEUE_IS_GATED = `EXISTS (SELECT 1 FROM queues q WHERE q.team_id = i."teamId" AND q.name = i.queue
        AND (q.paused OR q.concurrency IS NOT NULL OR q.rate_limit_limit IS NOT NULL))`;

/**
 * "A queue exists once a task names it": the queues of the rows `inserted` (a CTE returning
 * "teamId" and queue), added when new. A conflict with an existing queue costs one index probe.
 */
const ENSURE_QUEUES = `queued AS (
         INSERT INTO queues (team_id, name, created_at)
         SELECT DISTINCT "teamId", queue, now() FROM inserted
         ON CONFLICT (team_id, name) DO NOTHING)`;

/**
 * INSERT … SELECT from a JSON array of NewTaskRow (parameter `rows`), with the source rows as `i`
 * for a WHERE clause to follow. JSON carries every value's type, so one statement fits any number
 * of rows.
 */
function insertTasksFromJson(rows: string): string {
  return `INSERT INTO tasks AS t (id, team_id, status, target_url, method, headers, body, timeout_seconds,
      max_wait_seconds, delay_until, max_retries, retry_backoff, priority, on_complete_url, created_at, run_at,
      wait_for_signal, signal_token_hash, callback_id, provider, poll_config, schedule_id, scheduled_for, queue, gated)
    SELECT i.id, i."teamId", i.status, i."targetUrl", i.method, i.headers, i.body, i."timeoutSeconds",
      i."maxWaitSeconds", i."delayUntil", i."maxRetries", i."retryBackoff", i.priority, i."onCompleteUrl",
      i."createdAt", i."runAt", i."waitForSignal", i."signalTokenHash", i."callbackId", i.provider, i."pollConfig",
      i."scheduleId", i."scheduledFor", i.queue, ${QUEUE_IS_GATED}
    FROM jsonb_to_recordset(${rows}::jsonb) AS i(
      id uuid, "teamId" uuid, status text, "targetUrl" text, method text, headers jsonb, body text,
      "timeoutSeconds" int, "maxWaitSeconds" int, "delayUntil" timestamptz, "maxRetries" int,
      "retryBackoff" text, priority smallint, "onCompleteUrl" text, "createdAt" timestamptz,
      "runAt" timestamptz, "waitForSignal" boolean, "signalTokenHash" text, "callbackId" text,
      provider text, "pollConfig" jsonb, "scheduleId" uuid, "scheduledFor" timestamptz, queue text, "tokenIds" text[],
      "tokenDestinations" jsonb)`;
}

/** The condition a source row `i` must meet to be inserted: its vault references are usable. */
const REFERENCES_USABLE = `(cardinality(i."tokenIds") = 0
           OR ${usableVaultTokensCondition('i."teamId"', 'i."tokenIds"', 'i."tokenDestinations"')})`;

/**
 * Wakes idle workers (in any process) when the statement added a due task, in the statement itself:
 * a NOTIFY afterwards would put one more round trip between a creation and its call. NOTIFY
 * serializes the commits that carry one, so few statements in flight should send it.
 * `woken` runs only because the final WHERE reads it, and only when a row was inserted.
 */
const WAKE_WORKERS = `woken AS (SELECT pg_notify('${TASK_DUE_CHANNEL}', '') FROM inserted WHERE status = 'pending' LIMIT 1)`;

/**
 * Inserts a batch of NewTaskRow ($1, JSON) in one statement, each row only if its vault references
 * are usable; returns the inserted rows as `columns`.
 */
export function insertTasksSql(columns: string): string {
  return `WITH inserted AS (
         ${insertTasksFromJson('$1')}
         WHERE ${REFERENCES_USABLE}
         RETURNING ${columns}),
       ${WAKE_WORKERS},
       ${ENSURE_QUEUES}
       SELECT * FROM inserted WHERE (SELECT count(*) FROM woken) >= 0`;
}

/**
 * Claims an Idempotency-Key and inserts its task in one statement, so two concurrent requests with
 * one key create one task: $1 the row (a one-element JSON array), $2 team, $3 key, $4 request
 * fingerprint, $5 task id, $6 now. A key older than 24 h is taken over by the new request; a row
 * whose vault references are not usable claims no key. Returns the inserted row, if any.
 */
export function insertTaskIdempotentlySql(columns: string): string {
  return `WITH claimed AS (
         INSERT INTO idempotency_keys AS k (team_id, key, request_hash, task_id, created_at)
         SELECT $2, $3, $4, $5, $6
         FROM jsonb_to_recordset($1::jsonb) AS i("teamId" uuid, "tokenIds" text[], "tokenDestinations" jsonb)
         WHERE ${REFERENCES_USABLE}
         ON CONFLICT (team_id, key) DO UPDATE
           SET ${TAKE_OVER_EXPIRED_KEY}
         RETURNING task_id),
       inserted AS (
         ${insertTasksFromJson('$1')} WHERE EXISTS (SELECT 1 FROM claimed)
         RETURNING ${columns}),
       ${WAKE_WORKERS},
       ${ENSURE_QUEUES}
       SELECT * FROM inserted WHERE (SELECT count(*) FROM woken) >= 0`;
}

/** ON CONFLICT … DO UPDATE of an Idempotency-Key: a key older than 24 h is taken over by the new request. */
const TAKE_OVER_EXPIRED_KEY = `request_hash = EXCLUDED.request_hash, task_id = EXCLUDED.task_id, task_ids = EXCLUDED.task_ids,
             created_at = EXCLUDED.created_at
           WHERE k.created_at < EXCLUDED.created_at - interval '24 hours'`;

/**
 * True when every reference set in `sets` (a JSON array of {teamId, tokenIds, tokenDestinations},
 * see ReferenceSet) is usable: one refused reference refuses a whole batch.
 */
function allReferencesUsable(sets: string): string {
  return `NOT EXISTS (SELECT 1
    FROM jsonb_to_recordset(${sets}::jsonb) AS r("teamId" uuid, "tokenIds" text[], "tokenDestinations" jsonb)
    WHERE NOT ${usableVaultTokensCondition('r."teamId"', 'r."tokenIds"', 'r."tokenDestinations"')})`;
}

/** What one or more rows of a batch require of the vault (the distinct ones are checked once each). */
export type ReferenceSet = Pick<NewTaskRow, 'teamId' | 'tokenIds' | 'tokenDestinations'>;

/**
 * What a batch insert returns of each row: its id (the rest is what it was given, see
 * taskAsInserted; reading back 1,000 rows of 40 columns costs more than the insert).
 */
const BATCH_RETURNING = 't.id, t.status, t.team_id AS "teamId", t.queue, t.gated';

/**
 * Inserts every NewTaskRow of $1 (JSON) in one statement, or none of them when a reference set of
 * $2 (JSON, ReferenceSet[]) is not usable; returns the ids inserted.
 */
export const INSERT_ALL_TASKS_SQL = `WITH inserted AS (
         ${insertTasksFromJson('$1')}
         WHERE ${allReferencesUsable('$2')}
         RETURNING ${BATCH_RETURNING}),
       ${WAKE_WORKERS},
       ${ENSURE_QUEUES}
       SELECT id FROM inserted WHERE (SELECT count(*) FROM woken) >= 0`;

/**
 * INSERT_ALL_TASKS_SQL under an Idempotency-Key that stands for the whole batch, claimed in the
 * same statement: $1 rows, $2 reference sets, $3 team, $4 key, $5 request fingerprint, $6 the task
 * ids in order, $7 now.
 */
export const INSERT_ALL_TASKS_IDEMPOTENTLY_SQL = `WITH claimed AS (
         INSERT INTO idempotency_keys AS k (team_id, key, request_hash, task_id, task_ids, created_at)
         SELECT $3, $4, $5, ($6::uuid[])[1], $6::uuid[], $7
         WHERE ${allReferencesUsable('$2')}
         ON CONFLICT (team_id, key) DO UPDATE
           SET ${TAKE_OVER_EXPIRED_KEY}
         RETURNING task_id),
       inserted AS (
         ${insertTasksFromJson('$1')} WHERE EXISTS (SELECT 1 FROM claimed)
         RETURNING ${BATCH_RETURNING}),
       ${WAKE_WORKERS},
       ${ENSURE_QUEUES}
       SELECT id FROM inserted WHERE (SELECT count(*) FROM woken) >= 0`;

/**
 * The tasks of due schedules ($1, JSON NewTaskRow[]), one per schedule and due time: a pair that
 * already has its task is skipped, whichever process made it. Vault references are not required
 * to be usable: like any task's, they are resolved at each call, and a revoked one fails the task
 * with its reason where the team can see it. Wakes idle workers when the firing commits.
 */
export function insertFiredTasksSql(columns: string): string {
  return `WITH inserted AS (
         ${insertTasksFromJson('$1')}
         ON CONFLICT (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL DO NOTHING
         RETURNING ${columns}),
       ${WAKE_WORKERS},
       ${ENSURE_QUEUES}
       SELECT * FROM inserted WHERE (SELECT count(*) FROM woken) >= 0`;
}

/** The claim of an Idempotency-Key ($1 team, $2 key) still within its 24 h of $3 (now). */
export const IDEMPOTENCY_KEY_SQL = `SELECT request_hash AS "requestHash", task_id AS "taskId", task_ids AS "taskIds"
       FROM idempotency_keys
       WHERE team_id = $1 AND key = $2 AND created_at >= $3::timestamptz - interval '24 hours'`;
