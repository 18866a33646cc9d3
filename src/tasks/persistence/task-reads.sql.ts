/** Reading a team's tasks. */

export function findTaskSql(columns: string): string {
  return `SELECT ${columns} FROM tasks t WHERE t.id = $1 AND t.team_id = $2`;
}

export function findTasksSql(columns: string): string {
  return `SELECT ${columns} FROM tasks t WHERE t.id = ANY($1::uuid[]) AND t.team_id = $2`;
}

/** `where` is built from fixed conditions on `t` with numbered parameters; newest first. */
export function listTasksSql(columns: string, where: string, limit: number, offset: number): string {
  return `SELECT ${columns} FROM tasks t WHERE ${where}
         ORDER BY t.created_at DESC, t.id DESC LIMIT ${limit} OFFSET ${offset}`;
}

export function countTasksSql(where: string): string {
  return `SELECT count(*)::int AS total FROM tasks t WHERE ${where}`;
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
