import { queueCompletionWebhook } from './task-sql.js';

/**
 * Ending waiting tasks from outside (SPEC §8) and the long-poll watches. Each ending is one
 * conditional UPDATE, so of two racing requests exactly one wins; a status check in flight loses
 * its fenced write.
 */

/**
 * Ends the waiting task of signal token hash $1 with status $2; $3 whether the signal carries a
 * result, $4 that result (JSON), $5 the error.
 */
export function resolveSignalSql(columns: string): string {
  return `UPDATE tasks t SET status = $2, signal_token_hash = NULL, completed_at = now(),
         result = CASE WHEN $3 THEN $4::jsonb ELSE t.result END, error = $5,
         ${queueCompletionWebhook('t', '$2')}
       WHERE t.signal_token_hash = $1 AND t.status = 'waiting' AND t.wait_deadline > now()
       RETURNING ${columns}`;
}

/** Why signal token hash $1 matched no waiting task. */
export const SIGNAL_STATE_SQL = `SELECT status, false AS used,
         (status = 'timeout' OR (status = 'waiting' AND wait_deadline <= now())) AS expired
       FROM tasks WHERE signal_token_hash = $1`;

/** Completes the waiting or polling task of callback id $1 with result $2 (JSON). Single use. */
export function resolveCallbackSql(columns: string): string {
  return `UPDATE tasks t SET status = 'completed', result = $2::jsonb, error = NULL, completed_at = now(),
         callback_received_at = now(), lease_owner = NULL, lease_expires_at = NULL,
         ${queueCompletionWebhook('t', "'completed'")}
       WHERE t.callback_id = $1 AND t.callback_received_at IS NULL AND t.status IN ('waiting', 'polling')
         AND t.wait_deadline > now()
       RETURNING ${columns}`;
}

/** Why callback id $1 matched no waiting or polling task. */
export const CALLBACK_STATE_SQL = `SELECT status, callback_received_at IS NOT NULL AS used,
         (status = 'timeout' OR (status IN ('waiting', 'polling') AND wait_deadline <= now())) AS expired
       FROM tasks WHERE callback_id = $1`;

/**
 * Registers watch $2 of task $1 for $3 seconds; watches left behind by a process that died are
 * cleared on the way.
 */
export const WATCH_SQL = `WITH expired AS (DELETE FROM task_watches WHERE expires_at < now())
       INSERT INTO task_watches (task_id, watch_id, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))`;

export const UNWATCH_SQL = `DELETE FROM task_watches WHERE task_id = $1 AND watch_id = $2`;
