import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateTaskTables1764230400002 implements MigrationInterface {
  name = 'CreateTaskTables1764230400002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY,
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN
          ('pending','delayed','processing','waiting','polling','completed','failed','timeout','cancelled')),
        target_url text NOT NULL,
        method text NOT NULL,
        headers jsonb NOT NULL,
        body text,
        timeout_seconds integer NOT NULL,
        max_wait_seconds integer NOT NULL,
        delay_until timestamptz,
        max_retries integer NOT NULL,
        retry_backoff text NOT NULL,
        priority smallint NOT NULL,
        on_complete_url text,
        retry_count integer NOT NULL DEFAULT 0,
        attempt_count integer NOT NULL DEFAULT 0,
        result jsonb,
        error text,
        created_at timestamptz NOT NULL,
        started_at timestamptz,
        completed_at timestamptz,
        run_at timestamptz NOT NULL,
        lease_owner uuid,
        lease_token integer NOT NULL DEFAULT 0,
        lease_expires_at timestamptz,
        on_complete_state text CHECK (on_complete_state IN ('pending','sending','delivered','failed')),
        on_complete_claimed_at timestamptz,
        on_complete_status_code integer,
        on_complete_error text,
        on_complete_at timestamptz
      )`);
    // GET /v1/tasks: a team's tasks newest first; id breaks ties between equal timestamps.
    await db.query(`CREATE INDEX ix_tasks_team_created ON tasks (team_id, created_at DESC, id DESC)`);
    // GET /v1/tasks?status=: the same order within one status.
    await db.query(`CREATE INDEX ix_tasks_team_status_created ON tasks (team_id, status, created_at DESC, id DESC)`);
    // The claim query: only runnable rows are in it, so it stays small however many finished tasks
    // the table holds, and its order is the claim order (priority, then due time).
    await db.query(
      `CREATE INDEX ix_tasks_runnable ON tasks (priority DESC, run_at) WHERE status IN ('pending','delayed')`,
    );
    // Lease reaping and graceful release look at processing rows only.
    await db.query(`CREATE INDEX ix_tasks_processing_lease ON tasks (lease_expires_at) WHERE status = 'processing'`);
    // Queue depth by status (/metrics) counts only unfinished tasks, however many finished ones exist.
    await db.query(
      `CREATE INDEX ix_tasks_open_status ON tasks (status) WHERE status IN ('pending','delayed','processing','waiting','polling')`,
    );
    // Completion webhooks waiting for delivery.
    await db.query(
      `CREATE INDEX ix_tasks_on_complete_due ON tasks (on_complete_claimed_at) WHERE on_complete_state IN ('pending','sending')`,
    );
    await db.query(`
      CREATE TABLE task_attempts (
        task_id uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        number integer NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms integer NOT NULL,
        status_code integer,
        error text,
        PRIMARY KEY (task_id, number)
      )`);
    // Idempotency-Key replay window (24 h) per team; created_at drives the sweep.
    await db.query(`
      CREATE TABLE idempotency_keys (
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        key text NOT NULL,
        request_hash text NOT NULL,
        task_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (team_id, key)
      )`);
    await db.query(`CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at)`);
    // Status changes wake long-polls in every process; an update that makes a task runnable now
    // (retry, release, lease reaping, promotion) wakes idle workers. One notification per statement,
    // not per row: a claim or a completion batch of 100 rows sends one comma-separated list of ids
    // (chunked below the 8000-byte payload limit). New tasks are announced by the API itself,
    // coalesced (TaskWakeNotifier): NOTIFY takes a database-wide lock at commit, and one per insert
    // would serialise every creation behind it.
    await db.query(`
      CREATE FUNCTION aq_notify_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        ids text;
      BEGIN
        FOR ids IN
          SELECT string_agg(id, ',') FROM (
            SELECT n.id::text AS id, (row_number() OVER () - 1) / 150 AS chunk
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.status IS DISTINCT FROM o.status) changed
          GROUP BY chunk
        LOOP
          PERFORM pg_notify('aq_task_status', ids);
        END LOOP;
        IF EXISTS (
          SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
          WHERE n.status = 'pending' AND o.status IS DISTINCT FROM 'pending' AND n.run_at <= now()) THEN
          PERFORM pg_notify('aq_task_due', '');
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_tasks_notify AFTER UPDATE ON tasks
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
      FOR EACH STATEMENT EXECUTE FUNCTION aq_notify_task_change()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER tr_tasks_notify ON tasks`);
    await db.query(`DROP FUNCTION aq_notify_task_change()`);
    await db.query(`DROP TABLE idempotency_keys`);
    await db.query(`DROP TABLE task_attempts`);
    await db.query(`DROP TABLE tasks`);
  }
}
