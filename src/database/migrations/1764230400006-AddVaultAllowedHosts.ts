import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Destination binding of vault tokens (SPEC §5): NULL is an unbound token, as every existing one stays. */
export class AddVaultAllowedHosts1764230400006 implements MigrationInterface {
  name = 'AddVaultAllowedHosts1764230400006';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE vault_tokens ADD COLUMN allowed_hosts text[]`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE vault_tokens DROP COLUMN allowed_hosts`);
  }
}
