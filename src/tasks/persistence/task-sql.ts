import { TERMINAL_STATUSES } from '../rules/task-status.js';

/** Fragments every task statement that ends a task shares, so each rule is written once. */

const TERMINAL_STATUS_LIST = TERMINAL_STATUSES.map((status) => `'${status}'`).join(', ');

/**
 * "A task that reaches a terminal status queues its completion webhook (when it has an
 * onCompleteUrl)", as an item of an UPDATE's SET list: `alias` is the task row being updated,
 * `status` the SQL expression of its new status. The webhook loop delivers what this marks, so
 * the notification survives a restart between the two.
 */
export function queueCompletionWebhook(alias: string, status: string): string {
  return `on_complete_state = CASE
             WHEN ${status} IN (${TERMINAL_STATUS_LIST}) AND ${alias}.on_complete_url IS NOT NULL
             THEN 'pending' ELSE ${alias}.on_complete_state END`;
}
