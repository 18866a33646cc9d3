import { HIGHEST_PRIORITY, LOWEST_PRIORITY } from '../rules/priority.js';
import { queueCompletionWebhook } from './task-sql.js';
import { sealedTokensOfTask, sealedWebhookSecretOfTask } from './vault-envelopes.sql.js';

/**
 * The statements of the lease cycle: claim, outcome, renewal, hand-back, reaping, promotion, next
 * due time, wait expiry. The claim and the outcome run thousands of times a second; each is
 * written for one index plan, which the connections they run on (QueueConnections) keep the
 * planner to.
 *
 * A statement that updates the rows a locking subquery picks takes them as `id = ANY(ARRAY(...))`,
 * so the subquery runs once whatever the plan. As `id IN (...)`, the generic plan a worker built
 * while the table was empty (its statements are prepared) ran the subquery again for every row:
 * once a burst arrived, the wait-expiry check of every tick took 1.4 s at 10,000 tasks, until an
 * ANALYZE replanned it. (The same for the webhook claim and the sweeps.)
 */

/** Tasks a claim may take once due, as ix_tasks_runnable holds them. */
const RUNNABLE = `status IN ('pending', 'delayed', 'polling') AND NOT gated`;

/**
 * Every priority level, highest first (ck_tasks_priority_range holds tasks to the range). Reading
 * ix_tasks_runnable one level at a time costs an index descent per level; one scan in (priority,
 * run_at) order instead passes every task a higher level holds for later, and PostgreSQL 15
 * cannot skip through an index by its first column itself.
 */
const PRIORITY_LEVELS = `generate_series(${HIGHEST_PRIORITY}, ${LOWEST_PRIORITY}, -1) AS levels(priority)`;

/**
 * Claims up to `limit` due tasks, highest priority first and earliest due first within a level,
 * returning `columns` and the sealed vault envelopes the calls will need. $1: lease owner, $2:
 * lease seconds. Each level is read from its first due task on, the next one only while the
 * claim is not full (the lateral reads depend on the levels, so the nested loop takes them in
 * order and stops at the LIMIT): a claim with 100,000 tasks scheduled ahead at a higher priority
 * no longer reads them all, and an empty claim costs ten index descents.
 * The LIMIT is part of the text, one prepared statement per batch size: as a parameter it kept
 * the planner from costing a generic plan, so every claim was planned again (a third of the
 * database's time per task in the drain benchmark).
 */
export function claimSql(columns: string, limit: number): string {
  return `WITH due AS (
         SELECT level_due.id, level_due.status FROM ${PRIORITY_LEVELS} CROSS JOIN LATERAL (
           SELECT id, status FROM tasks
           WHERE ${RUNNABLE} AND priority = levels.priority AND run_at <= now()
           ORDER BY run_at
           LIMIT ${limit}
           FOR UPDATE SKIP LOCKED) level_due
         LIMIT ${limit})
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
 * Claims up to `limit` due tasks of queues that hold tasks back (aq_claim_gated: per queue, under
 * its row lock, as many as its concurrency and rolling rate window admit), with what claimSql
 * returns. $1: lease owner, $2: lease seconds, $3: limit, $4: milliseconds the rate window is held
 * beyond its period (calls leave a worker a little after their claim).
 */
export function claimGatedSql(columns: string): string {
  return `SELECT ${columns}, t.status = 'polling' AS "isPoll",
         EXISTS (SELECT 1 FROM queues q WHERE q.team_id = t.team_id AND q.name = t.queue
           AND q.rate_limit_limit IS NOT NULL) AS "rateLimited",
         ${sealedTokensOfTask('t')} AS "sealedTokens", ${sealedWebhookSecretOfTask('t')} AS "sealedWebhookSecret"
       FROM aq_claim_gated($1, $2, $3, $4) t`;
}

/**
 * Writes a batch of outcomes ($1: jsonb array of AttemptOutcome): the task rows, fenced by lease
 * token and the status the claim left (found through the primary key), and for calls their
 * attempt records. A throttled answer in a governed queue (concurrency or rateLimit) holds the
 * whole queue until its cooldown ends (SPEC §9). Returns the ids whose write took effect.
 */
export const OUTCOMES_SQL = `WITH input AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS i(
           "taskId" uuid, "leaseToken" int, "fromStatus" text, status text, result jsonb, "keepResult" boolean,
           error text, "retryCount" int, "runAt" timestamptz, "completedAt" timestamptz,
           "waitDeadline" timestamptz, "attemptStartedAt" timestamptz, "durationMs" int, "statusCode" int,
           "throttledCount" int, "cooldownUntil" timestamptz)),
       done AS (
         UPDATE tasks t SET status = i.status, result = CASE WHEN i."keepResult" THEN t.result ELSE i.result END,
           error = i.error, retry_count = i."retryCount", run_at = COALESCE(i."runAt", t.run_at),
           completed_at = i."completedAt", wait_deadline = COALESCE(i."waitDeadline", t.wait_deadline),
           lease_owner = NULL, lease_expires_at = NULL,
           throttled_count = COALESCE(i."throttledCount", t.throttled_count),
           ${queueCompletionWebhook('t', 'i.status')}
         FROM input i
         WHERE t.id = i."taskId" AND t.lease_token = i."leaseToken" AND t.status = i."fromStatus"
         RETURNING t.id, t.attempt_count, i."fromStatus", i."attemptStartedAt", i."durationMs", i."statusCode", i.error,
           t.team_id, t.queue, i."cooldownUntil"),
       cooled AS (
         UPDATE queues q SET cooldown_until = GREATEST(q.cooldown_until, c.until)
         FROM (SELECT team_id, queue, max("cooldownUntil") AS until FROM done
               WHERE "cooldownUntil" IS NOT NULL GROUP BY team_id, queue) c
         WHERE q.team_id = c.team_id AND q.name = c.queue
           AND (q.concurrency IS NOT NULL OR q.rate_limit_limit IS NOT NULL)),
       attempts AS (
         INSERT INTO task_attempts (task_id, number, started_at, duration_ms, status_code, error)
         SELECT id, attempt_count, "attemptStartedAt", "durationMs", "statusCode", error FROM done
         WHERE "fromStatus" = 'processing'
         ON CONFLICT (task_id, number) DO NOTHING)
       SELECT id FROM done`;

/**
 * Extends the leases of a worker's tasks ($1 owner, $2 ids, $3 lease seconds). Rows locked by a
 * completion write are skipped rather than waited for, so renewal and completion never deadlock.
 */
export const RENEW_SQL = `UPDATE tasks SET lease_expires_at = now() + make_interval(secs => $3),
         run_at = CASE WHEN status = 'polling' THEN now() + make_interval(secs => $3) ELSE run_at END
       WHERE id = ANY(ARRAY(
         SELECT id FROM tasks
         WHERE id = ANY($2::uuid[]) AND lease_owner = $1 AND status IN ('processing', 'polling')
         FOR UPDATE SKIP LOCKED))`;

/**
 * Hands back tasks $2 of worker $1 before their call started, runnable at once, as RELEASE_SQL
 * does for all of them.
 */
export const HAND_BACK_SQL = `UPDATE tasks SET status = CASE WHEN status = 'processing' THEN 'pending' ELSE status END,
         attempt_count = CASE WHEN status = 'processing' THEN attempt_count - 1 ELSE attempt_count END,
         lease_owner = NULL, lease_expires_at = NULL, run_at = now()
       WHERE id = ANY($2::uuid[]) AND lease_owner = $1 AND status IN ('processing', 'polling') RETURNING id`;

/**
 * Hands back every task of worker $1, runnable at once; a cut-short status check stays polling,
 * due now. The statuses are spelled as an OR so that each one finds its own partial index
 * (ix_tasks_processing_lease, ix_tasks_wait_deadline): `status IN (...)` implies neither, and the
 * shutdown read every open task (a sequential scan of 0.65 s at 330,000 tasks scheduled ahead).
 */
export const RELEASE_SQL = `UPDATE tasks SET status = CASE WHEN status = 'processing' THEN 'pending' ELSE status END,
         attempt_count = CASE WHEN status = 'processing' THEN attempt_count - 1 ELSE attempt_count END,
         lease_owner = NULL, lease_expires_at = NULL, run_at = now()
       WHERE lease_owner = $1 AND (status = 'processing' OR status = 'polling') RETURNING id`;

/** Tasks whose lease ran out go back to pending, and the abandoned attempt is recorded. */
export const REAP_EXPIRED_LEASES_SQL = `WITH reaped AS (
         UPDATE tasks SET status = 'pending', lease_owner = NULL, lease_expires_at = NULL, run_at = now()
         WHERE id = ANY(ARRAY(
           SELECT id FROM tasks WHERE status = 'processing' AND lease_expires_at < now()
           FOR UPDATE SKIP LOCKED))
         RETURNING id, attempt_count, started_at),
       attempts AS (
         INSERT INTO task_attempts (task_id, number, started_at, duration_ms, status_code, error)
         SELECT id, attempt_count, COALESCE(started_at, now()), 0, NULL, 'Worker lost its lease; attempt abandoned'
         FROM reaped ON CONFLICT (task_id, number) DO NOTHING)
       SELECT id FROM reaped`;

/**
 * Up to 1,000 delayed tasks that have come due become `pending`, skipping rows a claim holds: a
 * claim takes due delayed tasks itself, so this only keeps the status honest for tasks no worker
 * has reached yet, and must never wait on (or hold up) the claims. ix_tasks_delayed_due holds
 * only delayed rows, so tasks scheduled far ahead are never read.
 */
export const PROMOTE_DELAYED_SQL = `UPDATE tasks SET status = 'pending'
       WHERE id = ANY(ARRAY(SELECT id FROM tasks WHERE status = 'delayed' AND run_at <= now()
         ORDER BY run_at LIMIT 1000 FOR UPDATE SKIP LOCKED))`;

/**
 * The earliest due time of a runnable task: the earliest of each level's first task, one index
 * descent per level. A plain min(run_at) read all of ix_tasks_runnable (ordered by priority
 * first): every task scheduled ahead, ~100 ms at 300,000 of them, on every idle turn of every
 * worker. No clamping in SQL: GREATEST(0, NULL) is 0, which would turn "nothing queued" into "due now".
 */
export const MS_UNTIL_NEXT_DUE_SQL = `SELECT (EXTRACT(EPOCH FROM (min(level_first.run_at) - now())) * 1000)::float8 AS ms
       FROM ${PRIORITY_LEVELS} CROSS JOIN LATERAL (
         SELECT run_at FROM tasks WHERE ${RUNNABLE} AND priority = levels.priority ORDER BY run_at LIMIT 1) level_first`;

/** Waiting and polling tasks past their deadline end as `timeout`, at most 500 a statement. */
export const EXPIRE_WAITS_SQL = `UPDATE tasks t SET status = 'timeout', completed_at = now(), lease_owner = NULL, lease_expires_at = NULL,
         error = CASE WHEN t.status = 'polling'
           THEN format('Polling did not finish within %s seconds',
             COALESCE((t.poll_config->>'maxDuration')::numeric, t.max_wait_seconds))
           ELSE format('No signal or callback arrived within %s seconds', t.max_wait_seconds) END,
         ${queueCompletionWebhook('t', "'timeout'")}
       WHERE t.id = ANY(ARRAY(
         SELECT id FROM tasks WHERE status IN ('waiting', 'polling') AND wait_deadline <= now()
         LIMIT 500 FOR UPDATE SKIP LOCKED))
       RETURNING t.id, t.attempt_count, t.queue`;
