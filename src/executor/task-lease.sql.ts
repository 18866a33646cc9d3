import { sealedTokensOfTask, sealedWebhookSecretOfTask } from '../vault/vault-sql.js';

/**
 * The executor's two hot statements. Each is written for one index plan, which the connections
 * they run on (QueueConnections) keep the planner to.
 */

/**
 * Claims up to `limit` due tasks (ix_tasks_runnable, in index order), returning `columns` and
 * the sealed vault envelopes the calls will need. $1: lease owner, $2: lease seconds.
 * The LIMIT is part of the text, one prepared statement per batch size: as a parameter it kept
 * the planner from costing a generic plan, so every claim was planned again (a third of the
 * database's time per task in the drain benchmark).
 */
export function claimSql(columns: string, limit: number): string {
  return `WITH due AS (
         SELECT id, status FROM tasks
         WHERE status IN ('pending', 'delayed', 'polling') AND run_at <= now()
         ORDER BY priority DESC, run_at ASC
         LIMIT ${limit}
         FOR UPDATE SKIP LOCKED)
       UPDATE tasks t SET
         status = CASE WHEN due.status = 'polling' THEN 'polling' ELSE 'processing' END,
         lease_owner = $1, lease_token = t.lease_token + 1,
         lease_expires_at = now() + make_interval(secs => $2),
         run_at = CASE WHEN due.status = 'polling' THEN now() + make_interval(secs => $2) ELSE t.run_at END,
         attempt_count = CASE WHEN due.status = 'polling' THEN t.attempt_count ELSE t.attempt_count + 1 END,
         started_at = COALESCE(t.started_at, now())
       FROM due WHERE t.id = due.id
       RETURNING ${columns}, due.status = 'polling' AS "isPoll",
         ${sealedTokensOfTask('t')} AS "sealedTokens", ${sealedWebhookSecretOfTask('t')} AS "sealedWebhookSecret"`;
}

/**
 * Writes a batch of outcomes ($1: jsonb array of AttemptOutcome): the task rows, fenced by lease
 * token and the status the claim left (found through the primary key), and for calls their
 * attempt records. Returns the ids whose write took effect.
 */
export const OUTCOMES_SQL = `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
           "taskId" uuid, "leaseToken" int, "fromStatus" text, status text, result jsonb, "keepResult" boolean,
           error text, "retryCount" int, "runAt" timestamptz, "completedAt" timestamptz,
           "waitDeadline" timestamptz, "attemptStartedAt" timestamptz, "durationMs" int, "statusCode" int)),
       done AS (
         UPDATE tasks t SET status = i.status, result = CASE WHEN i."keepResult" THEN t.result ELSE i.result END,
           error = i.error, retry_count = i."retryCount", run_at = COALESCE(i."runAt", t.run_at),
           completed_at = i."completedAt", wait_deadline = COALESCE(i."waitDeadline", t.wait_deadline),
           lease_owner = NULL, lease_expires_at = NULL,
           on_complete_state = CASE
             WHEN i.status IN ('completed', 'failed', 'timeout', 'cancelled') AND t.on_complete_url IS NOT NULL
             THEN 'pending' ELSE t.on_complete_state END
         FROM input i
         WHERE t.id = i."taskId" AND t.lease_token = i."leaseToken" AND t.status = i."fromStatus"
         RETURNING t.id, t.attempt_count, i."fromStatus", i."attemptStartedAt", i."durationMs", i."statusCode", i.error),
       attempts AS (
         INSERT INTO task_attempts (task_id, number, started_at, duration_ms, status_code, error)
         SELECT id, attempt_count, "attemptStartedAt", "durationMs", "statusCode", error FROM done
         WHERE "fromStatus" = 'processing'
         ON CONFLICT (task_id, number) DO NOTHING)
       SELECT id FROM done`;
