import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC §9 queues and flow control.
 *
 * Every task names a queue of its team. A queue with settings that hold tasks back (paused, a
 * concurrency or a rate limit) is "gated", and so are its open tasks (`tasks.gated`): the hot
 * claim of everything else keeps its one partial index and never reads a held row, while gated
 * tasks are claimed by aq_claim_gated(), which admits them per queue under the queue row's lock.
 * Calls in flight are counted from the leases themselves (a dead worker's lease expires, so a
 * slot can never leak); rate-limited starts are kept in queue_starts for the rolling window.
 */
export class AddQueues1764230400040 implements MigrationInterface {
  name = 'AddQueues1764230400040';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE queues (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        name text NOT NULL,
        paused boolean NOT NULL DEFAULT false,
        concurrency integer CHECK (concurrency BETWEEN 1 AND 10000),
        rate_limit_limit integer CHECK (rate_limit_limit BETWEEN 1 AND 100000),
        rate_limit_period integer CHECK (rate_limit_period BETWEEN 1 AND 3600),
        cooldown_until timestamptz,
        claimed_at timestamptz,
        settings_changed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, name),
        CHECK ((rate_limit_limit IS NULL) = (rate_limit_period IS NULL))
      )`);
    // The gated claim walks only queues that hold tasks back, least recently served first.
    await db.query(`
      CREATE INDEX ix_queues_gated ON queues (claimed_at NULLS FIRST)
      WHERE paused OR concurrency IS NOT NULL OR rate_limit_limit IS NOT NULL`);
    // One row per admitted claim batch of a rate-limited queue: the rolling window sums them.
    await db.query(`
      CREATE TABLE queue_starts (
        team_id uuid NOT NULL,
        queue text NOT NULL,
        started_at timestamptz NOT NULL,
        n integer NOT NULL
      )`);
    await db.query(`CREATE INDEX ix_queue_starts_window ON queue_starts (team_id, queue, started_at)`);

    await db.query(`
      ALTER TABLE tasks
        ADD COLUMN queue text NOT NULL DEFAULT 'default',
        ADD COLUMN throttled_count integer NOT NULL DEFAULT 0,
        ADD COLUMN gated boolean NOT NULL DEFAULT false`);
    await db.query(`
      INSERT INTO queues (team_id, name, created_at)
      SELECT team_id, 'default', min(created_at) FROM tasks GROUP BY team_id`);

    // The ungoverned claim: gated rows are not in it, however many a paused queue holds.
    await db.query(`DROP INDEX ix_tasks_runnable`);
    await db.query(`
      CREATE INDEX ix_tasks_runnable ON tasks (priority DESC, run_at)
      WHERE status IN ('pending','delayed','polling') AND NOT gated`);
    // The gated claim: one queue's runnable rows in claim order; a paused queue's status checks.
    await db.query(`
      CREATE INDEX ix_tasks_gated_runnable ON tasks (team_id, queue, priority DESC, run_at)
      WHERE gated AND status IN ('pending','delayed','polling')`);
    await db.query(`
      CREATE INDEX ix_tasks_gated_polling ON tasks (team_id, queue, run_at)
      WHERE gated AND status = 'polling'`);
    // Calls in flight of a gated queue: its rows under a lease.
    await db.query(`
      CREATE INDEX ix_tasks_gated_leased ON tasks (team_id, queue, lease_expires_at)
      WHERE gated AND lease_owner IS NOT NULL`);
    // Queue counts, oldest due age, re-gating and bulk changes by queue: open rows only.
    await db.query(`
      CREATE INDEX ix_tasks_queue_open ON tasks (team_id, queue, status, run_at)
      WHERE status IN ('pending','delayed','processing','waiting','polling')`);

    await db.query(`
      CREATE FUNCTION aq_claim_gated(p_owner uuid, p_lease_secs float8, p_limit integer, p_window_guard_ms integer)
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
              SELECT 1 FROM tasks
              WHERE team_id = q.team_id AND queue = q.name AND gated
                AND status IN ('pending', 'delayed', 'polling') AND run_at <= now());
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
                SELECT id, status FROM tasks
                WHERE team_id = s.team_id AND queue = s.name AND gated
                  AND status IN ('pending', 'delayed', 'polling') AND run_at <= at
                ORDER BY priority DESC, run_at LIMIT room FOR UPDATE SKIP LOCKED)
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
      END $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION aq_claim_gated(uuid, float8, integer, integer)`);
    await db.query(`DROP INDEX ix_tasks_queue_open`);
    await db.query(`DROP INDEX ix_tasks_gated_leased`);
    await db.query(`DROP INDEX ix_tasks_gated_polling`);
    await db.query(`DROP INDEX ix_tasks_gated_runnable`);
    await db.query(`DROP INDEX ix_tasks_runnable`);
    await db.query(
      `CREATE INDEX ix_tasks_runnable ON tasks (priority DESC, run_at) WHERE status IN ('pending','delayed','polling')`,
    );
    await db.query(`ALTER TABLE tasks DROP COLUMN queue, DROP COLUMN throttled_count, DROP COLUMN gated`);
    await db.query(`DROP TABLE queue_starts`);
    await db.query(`DROP TABLE queues`);
  }
}
