import { QUEUE_HOLDS_TASKS } from './queues.sql.js';
import { queueCompletionWebhook } from './task-sql.js';

/** A team's changes to its tasks. Each is atomic against a worker's claim: the row lock decides. */

/** Cancels task $1 of team $2 at $3 when it is pending or delayed. */
export function cancelTaskSql(columns: string): string {
  return `UPDATE tasks t SET status = 'cancelled', completed_at = $3, lease_owner = NULL, lease_expires_at = NULL,
         ${queueCompletionWebhook('t', "'cancelled'")}
       WHERE t.id = $1 AND t.team_id = $2 AND t.status IN ('pending', 'delayed')
       RETURNING ${columns}`;
}

/**
 * What a retry (single or bulk) sets on a failed or timed-out task row `t`, due at `dueAt`: a fresh
 * set of retries and of throttled answers. The earlier attempts stay: attempt_count is left as it
 * is, so the next attempt's number continues. `gated` follows the queue's settings as they are now:
 * they may have changed since the task ended, and only open tasks follow a change.
 */
export function retrySet(dueAt: string): string {
  return `status = 'pending', run_at = ${dueAt}, retry_count = 0, throttled_count = 0, result = NULL, error = NULL,
         started_at = NULL, completed_at = NULL, wait_deadline = NULL, callback_received_at = NULL,
         lease_owner = NULL, lease_expires_at = NULL,
         on_complete_state = NULL, on_complete_claimed_at = NULL, on_complete_status_code = NULL,
         on_complete_error = NULL, on_complete_at = NULL,
         gated = COALESCE((SELECT ${QUEUE_HOLDS_TASKS} FROM queues q WHERE q.team_id = t.team_id AND q.name = t.queue), false)`;
}

/** Re-queues failed or timed-out task $1 of team $2, due at $3 (see retrySet). */
export function retryTaskSql(columns: string): string {
  return `UPDATE tasks t SET ${retrySet('$3')}
       WHERE t.id = $1 AND t.team_id = $2 AND t.status IN ('failed', 'timeout')
       RETURNING ${columns}`;
}
