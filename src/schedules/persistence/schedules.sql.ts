/** The statements on the schedules table; ScheduleRepository is their one caller. */

export const SCHEDULE_COLUMNS = `s.id, s.team_id AS "teamId", s.cron, s.timezone, s.task, s.paused,
  s.next_run_at AS "nextRunAt", s.last_run_at AS "lastRunAt", s.created_at AS "createdAt"`;

export const INSERT_SCHEDULE_SQL = `INSERT INTO schedules AS s
    (id, team_id, cron, timezone, task, paused, next_run_at, last_run_at, created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)
  RETURNING ${SCHEDULE_COLUMNS}`;

export const FIND_SCHEDULE_SQL = `SELECT ${SCHEDULE_COLUMNS} FROM schedules s WHERE s.id = $1 AND s.team_id = $2`;

/** The same, locked until the transaction ends: a change waits for a firing of the schedule, and the other way round. */
export const LOCK_SCHEDULE_SQL = `${FIND_SCHEDULE_SQL} FOR UPDATE`;

export const LIST_SCHEDULES_SQL = `SELECT ${SCHEDULE_COLUMNS} FROM schedules s WHERE s.team_id = $1
  ORDER BY s.created_at, s.id`;

/** $1 id, $2 team, $3 cron, $4 timezone, $5 task, $6 paused, $7 next run. */
export const UPDATE_SCHEDULE_SQL = `UPDATE schedules s
  SET cron = $3, timezone = $4, task = $5, paused = $6, next_run_at = $7
  WHERE s.id = $1 AND s.team_id = $2
  RETURNING ${SCHEDULE_COLUMNS}`;

export const DELETE_SCHEDULE_SQL = `DELETE FROM schedules s WHERE s.id = $1 AND s.team_id = $2 RETURNING ${SCHEDULE_COLUMNS}`;

/**
 * Up to $2 schedules due at $1 (null: the database's clock, the one every process shares),
 * earliest first, locked for the firing's transaction, each with that instant as "firedAt". SKIP
 * LOCKED: a schedule another process is firing (or a team is changing) is not waited for.
 */
export const CLAIM_DUE_SCHEDULES_SQL = `WITH clock AS (SELECT COALESCE($1::timestamptz, now()) AS at)
  SELECT ${SCHEDULE_COLUMNS}, clock.at AS "firedAt" FROM schedules s, clock
  WHERE s.next_run_at <= clock.at
  ORDER BY s.next_run_at
  LIMIT $2
  FOR UPDATE OF s SKIP LOCKED`;

/** Moves fired schedules ($1, JSON [{id, nextRunAt, lastRunAt}]) on; a null lastRunAt keeps the old one. */
export const ADVANCE_SCHEDULES_SQL = `UPDATE schedules s
  SET next_run_at = a."nextRunAt", last_run_at = COALESCE(a."lastRunAt", s.last_run_at)
  FROM jsonb_to_recordset($1::jsonb) AS a(id uuid, "nextRunAt" timestamptz, "lastRunAt" timestamptz)
  WHERE s.id = a.id`;

/** Milliseconds, by the database's clock, until the earliest schedule is due (negative: overdue); null: none will fire. */
export const MS_UNTIL_NEXT_DUE_SQL = `SELECT (EXTRACT(EPOCH FROM min(next_run_at) - now()) * 1000)::float8 AS ms
  FROM schedules WHERE next_run_at IS NOT NULL`;
