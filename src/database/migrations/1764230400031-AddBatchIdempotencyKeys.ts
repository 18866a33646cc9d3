import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An Idempotency-Key on POST /v1/tasks/batch stands for every task of the batch, in order; task_id
 * keeps the first one, so statements that read single-task keys are unchanged. NULL: a single task.
 */
export class AddBatchIdempotencyKeys1764230400031 implements MigrationInterface {
  name = 'AddBatchIdempotencyKeys1764230400031';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE idempotency_keys ADD COLUMN task_ids uuid[]`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE idempotency_keys DROP COLUMN task_ids`);
  }
}
