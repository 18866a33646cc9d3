import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claim of governed queues (aq_claim_gated) reads each priority level on its own, as the
 * ungoverned claim does since ScheduledTasksAhead: its "anything due?" check and its pick could
 * scan ix_tasks_gated_runnable in (priority, run_at) order, past every task a higher level holds
 * for later. A governed queue with 100,000 tasks scheduled a day ahead at priority 9 and due
 * tasks at 5: a claim of 32 took ~5 ms on the workers' connections (~25 ms with the planner's
 * defaults), and ~1 ms reading level by level.
 */
export class GatedClaimByLevel1764230400070 implements MigrationInterface {
  name = 'GatedClaimByLevel1764230400070';

  async up(db: QueryRunner): Promise<void> {
    await db.query(gatedClaimFunction(true));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(gatedClaimFunction(false));
  }
}

/**
 * aq_claim_gated, reading levels one at a time (10 down to 1; ck_tasks_priority_range holds tasks
 * to them), or in one scan as AddQueues created it.
 */
function gatedClaimFunction(byLevel: boolean): string {
  const queueRunnable = (team: string, queue: string) =>
    `team_id = ${team} AND queue = ${queue} AND gated AND status IN ('pending', 'delayed', 'polling')`;
  const anythingDue = byLevel
    ? `SELECT 1 FROM generate_series(10, 1, -1) AS levels(priority) CROSS JOIN LATERAL (
                SELECT 1 FROM tasks
                WHERE ${queueRunnable('q.team_id', 'q.name')} AND priority = levels.priority AND run_at <= now()
                LIMIT 1) level_due`
    : `SELECT 1 FROM tasks
              WHERE ${queueRunnable('q.team_id', 'q.name')} AND run_at <= now()`;
  const due = byLevel
    ? `SELECT level_due.id, level_due.status FROM generate_series(10, 1, -1) AS levels(priority) CROSS JOIN LATERAL (
                  SELECT id, status FROM tasks
                  WHERE ${queueRunnable('s.team_id', 's.name')} AND priority = levels.priority AND run_at <= at
                  ORDER BY run_at LIMIT room FOR UPDATE SKIP LOCKED) level_due
                LIMIT room`
    : `SELECT id, status FROM tasks
                WHERE ${queueRunnable('s.team_id', 's.name')} AND run_at <= at
                ORDER BY priority DESC, run_at LIMIT room FOR UPDATE SKIP LOCKED`;
  return `
      CREATE OR REPLACE FUNCTION aq_claim_gated(p_owner uuid, p_lease_secs float8, p_limit integer, p_window_guard_ms integer)
      RETURNS SETOF tasks LANGUAGE plpgsql AS $$
      DECLARE
        q record;
        s record;
        room integer;
        taken integer;
        wanted integer := p_limit;
        at timestamptz;
        window_start timestamptz;
      BEGIN
        FOR q IN
          SELECT team_id, name, paused FROM queues
          WHERE (paused OR concurrency IS NOT NULL OR rate_limit_limit IS NOT NULL)
            AND (cooldown_until IS NULL OR cooldown_until <= now())
          ORDER BY claimed_at NULLS FIRST
        LOOP
          EXIT WHEN wanted <= 0;
          -- Nothing due: no lock taken (a row lock is a write).
          IF q.paused THEN
            CONTINUE WHEN NOT EXISTS (
              SELECT 1 FROM tasks
              WHERE team_id = q.team_id AND queue = q.name AND gated AND status = 'polling' AND run_at <= now());
          ELSE
            CONTINUE WHEN NOT EXISTS (
              ${anythingDue});
          END IF;
          -- Locked queue rows are being served by another claim right now: skip, never wait.
          SELECT team_id, name, paused, concurrency, rate_limit_limit, rate_limit_period INTO s
          FROM queues
          WHERE team_id = q.team_id AND name = q.name
            AND (cooldown_until IS NULL OR cooldown_until <= clock_timestamp())
          FOR UPDATE SKIP LOCKED;
          CONTINUE WHEN NOT FOUND;
          -- Each statement below sees every claim and outcome committed before the lock was taken.
          at := clock_timestamp();
          room := wanted;
          IF s.concurrency IS NOT NULL THEN
            room := LEAST(room, s.concurrency - (
              SELECT count(*)::int FROM tasks
              WHERE team_id = s.team_id AND queue = s.name AND gated AND lease_owner IS NOT NULL
                AND lease_expires_at > at));
          END IF;
          IF s.rate_limit_limit IS NOT NULL THEN
            window_start := at - make_interval(secs => s.rate_limit_period) - make_interval(secs => p_window_guard_ms / 1000.0);
            DELETE FROM queue_starts WHERE team_id = s.team_id AND queue = s.name AND started_at <= window_start;
            room := LEAST(room, s.rate_limit_limit - (
              SELECT COALESCE(sum(n), 0)::int FROM queue_starts
              WHERE team_id = s.team_id AND queue = s.name AND started_at > window_start));
          END IF;
          CONTINUE WHEN room <= 0;
          IF s.paused THEN
            RETURN QUERY WITH due AS (
                SELECT id FROM tasks
                WHERE team_id = s.team_id AND queue = s.name AND gated AND status = 'polling' AND run_at <= at
                ORDER BY run_at LIMIT room FOR UPDATE SKIP LOCKED)
              UPDATE tasks t SET lease_owner = p_owner, lease_token = t.lease_token + 1,
                lease_expires_at = at + make_interval(secs => p_lease_secs),
                run_at = at + make_interval(secs => p_lease_secs)
              FROM due WHERE t.id = due.id RETURNING t.*;
          ELSE
            RETURN QUERY WITH due AS (
                ${due})
              UPDATE tasks t SET
                status = CASE WHEN due.status = 'polling' THEN 'polling' ELSE 'processing' END,
                lease_owner = p_owner, lease_token = t.lease_token + 1,
                lease_expires_at = at + make_interval(secs => p_lease_secs),
                run_at = CASE WHEN due.status = 'polling' THEN at + make_interval(secs => p_lease_secs) ELSE t.run_at END,
                attempt_count = CASE WHEN due.status = 'polling' THEN t.attempt_count ELSE t.attempt_count + 1 END,
                started_at = COALESCE(t.started_at, at)
              FROM due WHERE t.id = due.id RETURNING t.*;
          END IF;
          GET DIAGNOSTICS taken = ROW_COUNT;
          IF taken > 0 THEN
            IF s.rate_limit_limit IS NOT NULL THEN
              INSERT INTO queue_starts (team_id, queue, started_at, n) VALUES (s.team_id, s.name, at, taken);
            END IF;
            UPDATE queues SET claimed_at = at WHERE team_id = s.team_id AND name = s.name;
            wanted := wanted - taken;
          END IF;
        END LOOP;
      END $$`;
}
