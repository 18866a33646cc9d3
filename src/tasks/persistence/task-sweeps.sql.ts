import { TERMINAL_STATUSES } from '../rules/task-status.js';

/**
 * The lifecycle sweeps of the task tables (SPEC §11). Each statement removes at most $1 rows,
 * found through an index that holds only what the sweep removes (see migration
 * 1764230400050-DataLifecycle), oldest first, so a statement costs the same whatever the history
 * holds, and its transaction is short. Rows locked by anything else are skipped, not waited for.
 *
 * Each also takes the position where the previous batch of the same pass ended ($3, text of a
 * timestamptz; '-infinity' to start) and returns its own (`last`): the index entries of rows it
 * removed stay until vacuum, and starting the next batch at the position, not at the start of the
 * index, keeps it from stepping over all of them again (with no vacuum between, a pass over a
 * backlog of a million rows slowed from 6,000 to 50 rows a second without it).
 */

const TERMINAL_STATUS_LIST = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Finished tasks completed more than $2 milliseconds ago, with their attempts (ON DELETE CASCADE)
 * and watches. A task whose completion webhook is still to be delivered waits for it.
 */
export const DELETE_FINISHED_TASKS_SQL = `WITH doomed AS (
         SELECT id, completed_at FROM tasks
         WHERE status IN (${TERMINAL_STATUS_LIST}) AND completed_at < now() - make_interval(secs => $2::float8 / 1000)
           AND completed_at >= $3::timestamptz
           AND on_complete_state IS DISTINCT FROM 'pending' AND on_complete_state IS DISTINCT FROM 'sending'
         ORDER BY completed_at LIMIT $1
         FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM tasks t USING doomed WHERE t.id = doomed.id RETURNING t.id, doomed.completed_at),
       unwatched AS (DELETE FROM task_watches w USING deleted WHERE w.task_id = deleted.id)
       SELECT count(*)::int AS n, max(completed_at)::text AS last FROM deleted`;

/**
 * Callback ids and signal token hashes of tasks that completed or were cancelled more than $2
 * milliseconds ago: nothing can use them any more. A failed or timed-out task keeps them, since a
 * retry may wait for the same callback or signal again; it loses them with the row.
 */
export const CLEAR_WAIT_SECRETS_SQL = `WITH cleared AS (
         UPDATE tasks t SET callback_id = NULL, signal_token_hash = NULL
         WHERE t.id = ANY(ARRAY(
           SELECT id FROM tasks
           WHERE status IN ('completed', 'cancelled') AND (callback_id IS NOT NULL OR signal_token_hash IS NOT NULL)
             AND completed_at < now() - make_interval(secs => $2::float8 / 1000) AND completed_at >= $3::timestamptz
           ORDER BY completed_at LIMIT $1
           FOR UPDATE SKIP LOCKED))
         RETURNING t.completed_at)
       SELECT count(*)::int AS n, max(completed_at)::text AS last FROM cleared`;

/** Idempotency keys older than 24 hours (IDEMPOTENCY_KEY_SQL no longer sees them). */
export const DELETE_EXPIRED_IDEMPOTENCY_KEYS_SQL = `WITH doomed AS (
         SELECT team_id, key, created_at FROM idempotency_keys
         WHERE created_at < now() - interval '24 hours' AND created_at >= $2::timestamptz
         ORDER BY created_at LIMIT $1
         FOR UPDATE SKIP LOCKED),
       deleted AS (
         DELETE FROM idempotency_keys k USING doomed WHERE k.team_id = doomed.team_id AND k.key = doomed.key
         RETURNING doomed.created_at)
       SELECT count(*)::int AS n, max(created_at)::text AS last FROM deleted`;
