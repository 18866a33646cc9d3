import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC §8: tasks that wait for a signal or a provider callback, or poll a provider's status URL,
 * after their submit call. The per-minute windows are generalised from teams to any subject, so
 * the public callback route can be limited per client address with the same shared counters.
 */
export class AddWaitingTasks1764230400003 implements MigrationInterface {
  name = 'AddWaitingTasks1764230400003';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE tasks
        ADD COLUMN wait_for_signal boolean NOT NULL DEFAULT false,
        ADD COLUMN signal_token_hash text,
        ADD COLUMN callback_id text,
        ADD COLUMN callback_received_at timestamptz,
        ADD COLUMN provider text,
        ADD COLUMN poll_config jsonb,
        ADD COLUMN wait_deadline timestamptz`);
    // Signals and callbacks find their task by these alone; a token names exactly one task.
    await db.query(
      `CREATE UNIQUE INDEX ux_tasks_signal_token ON tasks (signal_token_hash) WHERE signal_token_hash IS NOT NULL`,
    );
    await db.query(`CREATE UNIQUE INDEX ux_tasks_callback_id ON tasks (callback_id) WHERE callback_id IS NOT NULL`);
    // The timeout sweep looks only at tasks that are waiting or polling.
    await db.query(
      `CREATE INDEX ix_tasks_wait_deadline ON tasks (wait_deadline) WHERE status IN ('waiting','polling')`,
    );
    // A polling task's next status check is a due row like any other: the claim query serves both.
    await db.query(`DROP INDEX ix_tasks_runnable`);
    await db.query(
      `CREATE INDEX ix_tasks_runnable ON tasks (priority DESC, run_at) WHERE status IN ('pending','delayed','polling')`,
    );
    await db.query(`ALTER TABLE rate_limit_windows RENAME COLUMN team_id TO subject`);
    await db.query(`ALTER TABLE rate_limit_windows ALTER COLUMN subject TYPE text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DELETE FROM rate_limit_windows WHERE subject !~ '^[0-9a-f-]{36}$'`);
    await db.query(`ALTER TABLE rate_limit_windows ALTER COLUMN subject TYPE uuid USING subject::uuid`);
    await db.query(`ALTER TABLE rate_limit_windows RENAME COLUMN subject TO team_id`);
    await db.query(`DROP INDEX ix_tasks_runnable`);
    await db.query(
      `CREATE INDEX ix_tasks_runnable ON tasks (priority DESC, run_at) WHERE status IN ('pending','delayed')`,
    );
    await db.query(`DROP INDEX ix_tasks_wait_deadline`);
    await db.query(`DROP INDEX ux_tasks_callback_id`);
    await db.query(`DROP INDEX ux_tasks_signal_token`);
    await db.query(`
      ALTER TABLE tasks
        DROP COLUMN wait_for_signal, DROP COLUMN signal_token_hash, DROP COLUMN callback_id,
        DROP COLUMN callback_received_at, DROP COLUMN provider, DROP COLUMN poll_config, DROP COLUMN wait_deadline`);
  }
}
