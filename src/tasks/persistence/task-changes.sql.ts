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
 * Re-queues failed or timed-out task $1 of team $2, due at $3, with a fresh set of retries. The
 * earlier attempts stay: attempt_count is left as it is, so the next attempt's number continues.
 */
export function retryTaskSql(columns: string): string {
  return `UPDATE tasks t SET status = 'pending', run_at = $3, retry_count = 0, result = NULL,
         error = NULL, started_at = NULL, completed_at = NULL, wait_deadline = NULL,
         callback_received_at = NULL, on_complete_state = NULL,
         on_complete_claimed_at = NULL, on_complete_status_code = NULL, on_complete_error = NULL,
         on_complete_at = NULL
       WHERE t.id = $1 AND t.team_id = $2 AND t.status IN ('failed', 'timeout')
       RETURNING ${columns}`;
}
