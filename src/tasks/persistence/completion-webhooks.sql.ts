/** Delivery of completion webhooks (the rows queueCompletionWebhook() marked). */

/**
 * Takes up to $1 webhooks due for delivery, and those whose delivery was taken more than $2
 * seconds ago by a worker that never recorded it (it died).
 */
export function claimCompletionWebhooksSql(columns: string): string {
  return `UPDATE tasks t SET on_complete_state = 'sending', on_complete_claimed_at = now()
       WHERE t.id = ANY(ARRAY(
         SELECT id FROM tasks
         WHERE on_complete_state = 'pending'
            OR (on_complete_state = 'sending' AND on_complete_claimed_at < now() - make_interval(secs => $2))
         LIMIT $1 FOR UPDATE SKIP LOCKED))
       RETURNING ${columns}`;
}

/** Records how the delivery of task $1's webhook went: $2 state, $3 status code, $4 error. */
export const RECORD_COMPLETION_WEBHOOK_SQL = `UPDATE tasks SET on_complete_state = $2, on_complete_status_code = $3,
         on_complete_error = $4, on_complete_at = now()
       WHERE id = $1 AND on_complete_state = 'sending'`;
