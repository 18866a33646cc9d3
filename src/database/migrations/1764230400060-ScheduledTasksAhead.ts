import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tasks scheduled ahead must cost nothing until they are due:
 * - delayed tasks get an index by due time, for the promotion of those whose time has come
 *   (it read the whole table: with 300,000 tasks scheduled ahead an idle worker kept PostgreSQL
 *   ~20 % busy). Delayed rows only, so a drain of due tasks never writes it;
 * - priority is held to the range the API accepts (1-10), because claims now read each level of
 *   ix_tasks_runnable on its own, from 10 down to 1, instead of one scan in (priority, run_at)
 *   order that passed every task a higher level holds for later.
 */
export class ScheduledTasksAhead1764230400060 implements MigrationInterface {
  name = 'ScheduledTasksAhead1764230400060';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX ix_tasks_delayed_due ON tasks (run_at) WHERE status = 'delayed'`);
    await db.query(`ALTER TABLE tasks ADD CONSTRAINT ck_tasks_priority_range CHECK (priority BETWEEN 1 AND 10)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE tasks DROP CONSTRAINT ck_tasks_priority_range`);
    await db.query(`DROP INDEX ix_tasks_delayed_due`);
  }
}
