import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateVaultTables1764230400001 implements MigrationInterface {
  name = 'CreateVaultTables1764230400001';

  async up(db: QueryRunner): Promise<void> {
    // AES-256-GCM envelope: the key id travels with every ciphertext so rotation can find old rows.
    await db.query(`
      CREATE TABLE vault_tokens (
        id text PRIMARY KEY,
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        name text NOT NULL,
        key_id text NOT NULL,
        iv bytea NOT NULL,
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    // Listing a team's active tokens, oldest first.
    await db.query(
      `CREATE INDEX ix_vault_tokens_team_active ON vault_tokens (team_id, created_at) WHERE revoked_at IS NULL`,
    );
    // Rotation and the start-up keyring check look rows up by key id.
    await db.query(`CREATE INDEX ix_vault_tokens_key_id ON vault_tokens (key_id)`);
    await db.query(`
      CREATE TABLE webhook_secrets (
        team_id uuid PRIMARY KEY REFERENCES teams(id) ON DELETE CASCADE,
        key_id text NOT NULL,
        iv bytea NOT NULL,
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE webhook_secrets`);
    await db.query(`DROP TABLE vault_tokens`);
  }
}
