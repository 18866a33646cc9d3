import type { MigrationInterface, QueryRunner } from 'typeorm';

const TERMINAL = `('completed', 'failed', 'timeout', 'cancelled')`;

/**
 * Data lifecycle (SPEC §11). A revoked vault token keeps only its id, name and dates: the sealed
 * secret and its key id become NULL (tokens revoked before this migration lose theirs now), and a
 * check keeps every active token sealed. The sweeps get indexes that hold only what they remove,
 * so none of them reads live rows: finished tasks by completion time, completed or cancelled tasks
 * still holding a callback id or signal token hash (failed and timed-out ones keep theirs: a retry
 * may wait again), and OAuth access tokens by expiry.
 */
export class DataLifecycle1764230400050 implements MigrationInterface {
  name = 'DataLifecycle1764230400050';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE vault_tokens
      ALTER COLUMN key_id DROP NOT NULL, ALTER COLUMN iv DROP NOT NULL,
      ALTER COLUMN ciphertext DROP NOT NULL, ALTER COLUMN auth_tag DROP NOT NULL`);
    await db.query(`UPDATE vault_tokens SET key_id = NULL, iv = NULL, ciphertext = NULL, auth_tag = NULL
      WHERE revoked_at IS NOT NULL`);
    await db.query(`ALTER TABLE vault_tokens ADD CONSTRAINT ck_vault_tokens_sealed_while_active CHECK (
      revoked_at IS NOT NULL
      OR (key_id IS NOT NULL AND iv IS NOT NULL AND ciphertext IS NOT NULL AND auth_tag IS NOT NULL))`);
    await db.query(`CREATE INDEX ix_tasks_finished ON tasks (completed_at) WHERE status IN ${TERMINAL}`);
    await db.query(`CREATE INDEX ix_tasks_ended_with_wait_secrets ON tasks (completed_at)
      WHERE status IN ('completed', 'cancelled') AND (callback_id IS NOT NULL OR signal_token_hash IS NOT NULL)`);
    await db.query(`CREATE INDEX ix_oauth_access_tokens_expires ON oauth_access_tokens (expires_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX ix_oauth_access_tokens_expires`);
    await db.query(`DROP INDEX ix_tasks_ended_with_wait_secrets`);
    await db.query(`DROP INDEX ix_tasks_finished`);
    await db.query(`ALTER TABLE vault_tokens DROP CONSTRAINT ck_vault_tokens_sealed_while_active`);
    await db.query(`DELETE FROM vault_tokens WHERE ciphertext IS NULL`);
    await db.query(`ALTER TABLE vault_tokens
      ALTER COLUMN key_id SET NOT NULL, ALTER COLUMN iv SET NOT NULL,
      ALTER COLUMN ciphertext SET NOT NULL, ALTER COLUMN auth_tag SET NOT NULL`);
  }
}
