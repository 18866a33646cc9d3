import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delayed tasks by due time, for the promotion of those whose time has come. Without it every
 * promotion read the whole table (a sequential scan): with 300,000 tasks scheduled ahead, an idle
 * worker kept PostgreSQL ~15 % busy. Delayed rows only, so a drain of due tasks never writes it.
 */
export class IndexDelayedTasks1764230400060 implements MigrationInterface {
  name = 'IndexDelayedTasks1764230400060';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX ix_tasks_delayed_due ON tasks (run_at) WHERE status = 'delayed'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_tasks_delayed_due`);
  }
}
