/** Reading a team's tasks. */

export function findTaskSql(columns: string): string {
  return `SELECT ${columns} FROM tasks t WHERE t.id = $1 AND t.team_id = $2`;
}

export function findTasksSql(columns: string): string {
  return `SELECT ${columns} FROM tasks t WHERE t.id = ANY($1::uuid[]) AND t.team_id = $2`;
}

/**
 * `where` is built from fixed conditions on `t` with numbered parameters; newest first, in the
 * order of ix_tasks_team_created and ix_tasks_team_status_created, so a page reads only its own
 * rows (plus `offset` skipped ones). Each row carries its list position for the next cursor.
 */
export function listTasksSql(columns: string, where: string, limit: number, offset: number): string {
  return `SELECT ${columns},
           to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "listCreatedAt"
         FROM tasks t WHERE ${where}
         ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit} OFFSET ${offset}`;
}

/** The condition "after the cursor position" in list order; $created and $id name its parameters. */
export function afterPositionCondition(created: string, id: string): string {
  return `(t.created_at, t.id) < (${created}::timestamptz, ${id}::uuid)`;
}

/** How many tasks match, counting no further than `cap` + 1: the cost is bounded whatever the history holds. */
export function countTasksUpToSql(where: string, cap: number): string {
  return `SELECT count(*)::int AS total FROM (SELECT 1 FROM tasks t WHERE ${where} LIMIT ${cap + 1}) capped`;
}

/** The planner's estimate of how many tasks match (from the table statistics, reading no rows). */
export function estimateTasksSql(where: string): string {
  return `EXPLAIN (FORMAT JSON) SELECT 1 FROM tasks t WHERE ${where}`;
}

export const ATTEMPTS_SQL = `SELECT task_id AS "taskId", number, started_at AS "startedAt", duration_ms AS "durationMs",
         status_code AS "statusCode", error
       FROM task_attempts WHERE task_id = $1 ORDER BY number`;

/**
 * Unfinished tasks by status, of every team. Each arm's condition matches one partial index's
 * predicate, so it reads only unfinished rows however many finished ones the table holds.
 */
export const OPEN_TASKS_BY_STATUS_SQL = `SELECT status, count(*)::int AS n FROM tasks
       WHERE status IN ('pending', 'delayed', 'polling') GROUP BY status
       UNION ALL
       SELECT 'processing', count(*)::int FROM tasks WHERE status = 'processing'
       UNION ALL
       SELECT 'waiting', count(*)::int FROM tasks WHERE status = 'waiting'`;
