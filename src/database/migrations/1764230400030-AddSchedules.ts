import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SPEC §10 schedules. A schedule is due while next_run_at is set (NULL: paused, or a cron with no
 * later time). The tasks it makes carry its id and the due time they are for; the unique index
 * makes "one task per schedule and due time" a database fact, whichever process fires. No foreign
 * key: deleting a schedule leaves the tasks it made as they are.
 */
export class AddSchedules1764230400030 implements MigrationInterface {
  name = 'AddSchedules1764230400030';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE schedules (
        id uuid PRIMARY KEY,
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        cron text NOT NULL,
        timezone text NOT NULL,
        task jsonb NOT NULL,
        paused boolean NOT NULL DEFAULT false,
        next_run_at timestamptz,
        last_run_at timestamptz,
        created_at timestamptz NOT NULL
      )`);
    // GET /v1/schedules: a team's schedules, oldest first.
    await db.query(`CREATE INDEX ix_schedules_team_created ON schedules (team_id, created_at, id)`);
    // The firing loop: only schedules that will fire are in it, earliest first.
    await db.query(`CREATE INDEX ix_schedules_due ON schedules (next_run_at) WHERE next_run_at IS NOT NULL`);
    await db.query(`ALTER TABLE tasks ADD COLUMN schedule_id uuid, ADD COLUMN scheduled_for timestamptz`);
    await db.query(
      `CREATE UNIQUE INDEX ux_tasks_schedule_due ON tasks (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ux_tasks_schedule_due`);
    await db.query(`ALTER TABLE tasks DROP COLUMN schedule_id, DROP COLUMN scheduled_for`);
    await db.query(`DROP TABLE schedules`);
  }
}
