import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ix_tasks_open_status only served the queue-depth gauge, and every claim paid for an entry in it
 * (~5 % of a drain). The runnable, processing-lease and wait-deadline partial indexes together
 * cover the same statuses, and the gauge now reads those.
 */
export class DropOpenStatusIndex1764230400004 implements MigrationInterface {
  name = 'DropOpenStatusIndex1764230400004';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_tasks_open_status`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `CREATE INDEX ix_tasks_open_status ON tasks (status) WHERE status IN ('pending','delayed','processing','waiting','polling')`,
    );
  }
}
