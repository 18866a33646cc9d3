import { TERMINAL_STATUSES } from '../rules/task-status.js';

/**
 * The lifecycle sweeps of the task tables (SPEC §11). Each statement removes at most $1 rows,
 * found through an index that holds only what the sweep removes (see migration
 * 1764230400050-DataLifecycle), oldest first, so a statement costs the same whatever the history
 * holds, and its transaction is short. Rows locked by anything else are skipped, not waited for.
 */

const TERMINAL_STATUS_LIST = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * Finished tasks completed more than $2 milliseconds ago, with their attempts (ON DELETE CASCADE)
 * and watches. A task whose completion webhook is still to be delivered waits for it.
 */
export const DELETE_FINISHED_TASKS_SQL = `WITH doomed AS (
         SELECT id FROM tasks
         WHERE status IN (${TERMINAL_STATUS_LIST}) AND completed_at < now() - make_interval(secs => $2::float8 / 1000)
           AND on_complete_state IS DISTINCT FROM 'pending' AND on_complete_state IS DISTINCT FROM 'sending'
         ORDER BY completed_at LIMIT $1
         FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM tasks t USING doomed WHERE t.id = doomed.id RETURNING t.id),
       unwatched AS (DELETE FROM task_watches w USING deleted WHERE w.task_id = deleted.id)
       SELECT count(*)::int AS n FROM deleted`;

/**
 * Callback ids and signal token hashes of tasks that completed or were cancelled more than $2
 * milliseconds ago: nothing can use them any more. A failed or timed-out task keeps them, since a
 * retry may wait for the same callback or signal again; it loses them with the row.
 */
export const CLEAR_WAIT_SECRETS_SQL = `WITH cleared AS (
         UPDATE tasks t SET callback_id = NULL, signal_token_hash = NULL
         WHERE t.id IN (
           SELECT id FROM tasks
           WHERE status IN ('completed', 'cancelled') AND (callback_id IS NOT NULL OR signal_token_hash IS NOT NULL)
             AND completed_at < now() - make_interval(secs => $2::float8 / 1000)
           ORDER BY completed_at LIMIT $1
           FOR UPDATE SKIP LOCKED)
         RETURNING 1)
       SELECT count(*)::int AS n FROM cleared`;

/** Idempotency keys older than 24 hours (IDEMPOTENCY_KEY_SQL no longer sees them). */
export const DELETE_EXPIRED_IDEMPOTENCY_KEYS_SQL = `WITH doomed AS (
         SELECT team_id, key FROM idempotency_keys
         WHERE created_at < now() - interval '24 hours'
         ORDER BY created_at LIMIT $1
         FOR UPDATE SKIP LOCKED),
       deleted AS (
         DELETE FROM idempotency_keys k USING doomed WHERE k.team_id = doomed.team_id AND k.key = doomed.key
         RETURNING 1)
       SELECT count(*)::int AS n FROM deleted`;
