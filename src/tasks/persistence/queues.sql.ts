import { TASK_DUE_CHANNEL } from '../../database/notification-listener.service.js';

/** Statements on `queues` (SPEC §9) and the task statements that follow a queue's settings. */

/** "Holds tasks back" as SQL over a queues row `q`: the rule behind tasks.gated, written once. */
export const QUEUE_HOLDS_TASKS = `(q.paused OR q.concurrency IS NOT NULL OR q.rate_limit_limit IS NOT NULL)`;

const OPEN = `('pending', 'delayed', 'processing', 'waiting', 'polling')`;

/** A queue as the API shows it: settings, open counts (ix_tasks_queue_open) and the oldest due age. */
const QUEUE_COLUMNS = `q.name, q.paused, q.concurrency, q.rate_limit_limit AS "rateLimitLimit",
         q.rate_limit_period AS "rateLimitPeriod",
         CASE WHEN q.cooldown_until > now() THEN q.cooldown_until END AS "cooldownUntil",
         q.created_at AS "createdAt",
         (SELECT COALESCE(jsonb_object_agg(c.status, c.n), '{}'::jsonb) FROM (
            SELECT t.status, count(*)::int AS n FROM tasks t
            WHERE t.team_id = q.team_id AND t.queue = q.name AND t.status IN ${OPEN}
            GROUP BY t.status) c) AS counts,
         (SELECT COALESCE(GREATEST(0, EXTRACT(EPOCH FROM (now() - min(t.run_at))) * 1000), 0)::float8 FROM tasks t
          WHERE t.team_id = q.team_id AND t.queue = q.name AND t.status IN ('pending', 'delayed')
            AND t.run_at <= now()) AS "oldestDueAgeMs"`;

/** $1 team. */
export const LIST_QUEUES_SQL = `SELECT ${QUEUE_COLUMNS} FROM queues q WHERE q.team_id = $1 ORDER BY q.name`;

/** $1 team, $2 name. */
export const FIND_QUEUE_SQL = `SELECT ${QUEUE_COLUMNS} FROM queues q WHERE q.team_id = $1 AND q.name = $2`;

/**
 * Creates or changes queue $2 of team $1. Each setting changes only when its "given" flag is set:
 * $3/$4 paused, $5/$6 concurrency, $7/$8/$9 rateLimit (limit, period). A queue that no longer has a
 * concurrency or rateLimit is no destination to cool down.
 */
export const PUT_QUEUE_SQL = `INSERT INTO queues AS q (team_id, name, paused, concurrency, rate_limit_limit, rate_limit_period,
         settings_changed_at, created_at)
       VALUES ($1, $2, COALESCE(CASE WHEN $3 THEN $4::boolean END, false), CASE WHEN $5 THEN $6::int END,
         CASE WHEN $7 THEN $8::int END, CASE WHEN $7 THEN $9::int END, now(), now())
       ON CONFLICT (team_id, name) DO UPDATE SET
         paused = CASE WHEN $3 THEN $4::boolean ELSE q.paused END,
         concurrency = CASE WHEN $5 THEN $6::int ELSE q.concurrency END,
         rate_limit_limit = CASE WHEN $7 THEN $8::int ELSE q.rate_limit_limit END,
         rate_limit_period = CASE WHEN $7 THEN $9::int ELSE q.rate_limit_period END,
         settings_changed_at = now()
       RETURNING q.name`;

/** Clears the cooldown of a queue ($1 team, $2 name) with neither a concurrency nor a rateLimit. */
export const FORGET_UNGOVERNED_COOLDOWN_SQL = `UPDATE queues SET cooldown_until = NULL
       WHERE team_id = $1 AND name = $2 AND concurrency IS NULL AND rate_limit_limit IS NULL
         AND cooldown_until IS NOT NULL`;

/**
 * Brings up to 1,000 open tasks of queue $2 (team $1) in line with the queue's settings (gated or
 * not), from index position ($3 status, $4 run_at) on; returns the position reached and whether
 * a task became claimable by the ungoverned claim (then idle workers are woken).
 * Rows already in line before that position are passed over once, not once per batch.
 */
export const REGATE_BATCH_SQL = `WITH q AS (
         SELECT ${QUEUE_HOLDS_TASKS} AS gated FROM queues q WHERE q.team_id = $1 AND q.name = $2),
       picked AS (
         SELECT id FROM tasks
         WHERE team_id = $1 AND queue = $2 AND status IN ${OPEN}
           AND (status, run_at) >= ($3::text, $4::timestamptz)
           AND gated IS DISTINCT FROM (SELECT gated FROM q)
         ORDER BY status, run_at LIMIT 1000 FOR UPDATE),
       changed AS (
         UPDATE tasks t SET gated = (SELECT gated FROM q) FROM picked WHERE t.id = picked.id
         RETURNING t.status, t.run_at, t.gated),
       woken AS (
         SELECT pg_notify('${TASK_DUE_CHANNEL}', '') FROM changed WHERE NOT gated AND status = 'pending' LIMIT 1)
       SELECT (SELECT count(*)::int FROM changed) AS n, (SELECT count(*)::int FROM woken) AS woken,
         last.status AS "lastStatus", last.run_at AS "lastRunAt"
       FROM (SELECT status, run_at FROM changed ORDER BY status DESC, run_at DESC LIMIT 1) last
       RIGHT JOIN (SELECT 1) one ON true`;

/** Queues of any team changed in the last minute: stragglers of a concurrent creation are brought in line. */
export const RECENTLY_CHANGED_QUEUES_SQL = `SELECT team_id AS "teamId", name FROM queues
       WHERE settings_changed_at > now() - interval '1 minute'`;

/** Whether any queue holds tasks back (ix_queues_gated). */
export const ANY_GATED_QUEUE_SQL = `SELECT EXISTS (SELECT 1 FROM queues q WHERE ${QUEUE_HOLDS_TASKS}) AS any`;

/**
 * Per-queue gauges for /metrics, every team: open tasks by status, oldest due age, calls in
 * flight (live leases of gated tasks).
 */
export const QUEUE_METRICS_SQL = `SELECT q.team_id AS "teamId", ${QUEUE_COLUMNS},
         (SELECT count(*)::int FROM tasks t WHERE t.team_id = q.team_id AND t.queue = q.name
            AND t.lease_owner IS NOT NULL AND t.lease_expires_at > now()
            AND t.status IN ('processing', 'polling')) AS "inFlight"
       FROM queues q ORDER BY q.team_id, q.name LIMIT 1000`;
