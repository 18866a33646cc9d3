import { retrySet } from './task-changes.sql.js';
import { queueCompletionWebhook } from './task-sql.js';

/**
 * Bulk cancel and retry by filter (SPEC §9): one batch of at most BULK_BATCH_ROWS rows per
 * statement, each its own short transaction, so no lock is held for longer than one batch.
 *
 * Parameters: $1 team, $2 the status walked (one status per walk, so a walk follows
 * ix_tasks_team_status_created), $3 createdAfter (inclusive), $4 createdBefore (exclusive),
 * $5 queue or null; a batch adds $6 the time of the change and either $7 the ids, or $7/$8 the
 * keyset position (created_at as text, microsecond-exact, and id: rows before it, newest first);
 * a count adds $6 the ids when it is by ids.
 */
export const BULK_BATCH_ROWS = 1000;

/** What a bulk operation does to the rows it takes, and the statuses it takes them from. */
export interface BulkChange {
  /** Statuses the change takes, in the order they are walked (see BULK_CANCEL). */
  from: readonly string[];
  /** The SET list for a task row `t`; $6 is the time of the change. */
  set: string;
}

/**
 * Delayed is walked before pending: the only move between the two is delayed → pending
 * (promotion), so a task promoted during the walk is still met in the pending walk.
 */
export const BULK_CANCEL: BulkChange = {
  from: ['delayed', 'pending'],
  set: `status = 'cancelled', completed_at = $6, lease_owner = NULL, lease_expires_at = NULL,
         ${queueCompletionWebhook('t', "'cancelled'")}`,
};

/** Exactly what a single retry does (retrySet), to every task the filter matches. */
export const BULK_RETRY: BulkChange = {
  from: ['failed', 'timeout'],
  set: retrySet('$6'),
};

const FILTER = `team_id = $1 AND status = $2 AND created_at >= $3::timestamptz AND created_at < $4::timestamptz
           AND ($5::text IS NULL OR queue = $5::text)`;

/** By ids (at most 1,000, one batch, found by primary key) or by a keyset walk of the team's rows in one status. */
function picked(byIds: boolean): string {
  return byIds
    ? `SELECT id, created_at FROM tasks WHERE id = ANY($7::uuid[]) AND ${FILTER}`
    : `SELECT id, created_at FROM tasks
         WHERE ${FILTER} AND (created_at, id) < ($7::timestamptz, $8::uuid)
         ORDER BY created_at DESC, id DESC LIMIT ${BULK_BATCH_ROWS}`;
}

/**
 * One batch: the rows picked are `matched`; those still in a status the change takes when their
 * row lock is had (a worker may have claimed one in between) are changed. Returns both counts and
 * the keyset position reached (null when nothing was picked).
 */
export function bulkBatchSql(change: BulkChange, byIds: boolean): string {
  const from = change.from.map((status) => `'${status}'`).join(', ');
  return `WITH picked AS (${picked(byIds)}),
       changed AS (
         UPDATE tasks t SET ${change.set}
         FROM picked WHERE t.id = picked.id AND t.status IN (${from})
         RETURNING t.id),
       last AS (SELECT created_at::text AS "createdAt", id FROM picked ORDER BY created_at, id LIMIT 1)
       SELECT (SELECT count(*)::int FROM picked) AS matched, (SELECT count(*)::int FROM changed) AS changed,
         (SELECT "createdAt" FROM last) AS "lastCreatedAt", (SELECT id FROM last) AS "lastId"`;
}

/** dryRun: how many rows the filter matches in the status walked, changing and locking nothing. */
export function bulkCountSql(byIds: boolean): string {
  return byIds
    ? `SELECT count(*)::int AS matched FROM tasks WHERE id = ANY($6::uuid[]) AND ${FILTER}`
    : `SELECT count(*)::int AS matched FROM tasks WHERE ${FILTER}`;
}
