import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuthTables1764230400000 implements MigrationInterface {
  name = 'CreateAuthTables1764230400000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE teams (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Only the SHA-256 of a key is stored; the unique index is the lookup path of every request.
    await db.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash)
      )`);
    // Listing a team's active keys.
    await db.query(`CREATE INDEX ix_api_keys_team_active ON api_keys (team_id, created_at) WHERE revoked_at IS NULL`);
    await db.query(`
      CREATE TABLE oauth_clients (
        id text PRIMARY KEY,
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        name text NOT NULL,
        scopes text[] NOT NULL,
        secret_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await db.query(
      `CREATE INDEX ix_oauth_clients_team_active ON oauth_clients (team_id, created_at) WHERE revoked_at IS NULL`,
    );
    await db.query(`
      CREATE TABLE oauth_access_tokens (
        id uuid PRIMARY KEY,
        token_hash text NOT NULL,
        client_id text NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
        team_id uuid NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
        scopes text[] NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        CONSTRAINT uq_oauth_access_tokens_token_hash UNIQUE (token_hash)
      )`);
    // Revoking every token of a deleted client.
    await db.query(`CREATE INDEX ix_oauth_access_tokens_client ON oauth_access_tokens (client_id)`);
    // Fixed one-minute windows shared by every process; old windows are swept by the scheduler.
    // Each team's count is spread over 16 shard rows: one hot row would serialise every request of
    // a team behind the previous one's commit.
    await db.query(`
      CREATE TABLE rate_limit_windows (
        team_id uuid NOT NULL,
        window_start timestamptz NOT NULL,
        shard smallint NOT NULL,
        request_count integer NOT NULL,
        PRIMARY KEY (team_id, window_start, shard)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE rate_limit_windows`);
    await db.query(`DROP TABLE oauth_access_tokens`);
    await db.query(`DROP TABLE oauth_clients`);
    await db.query(`DROP TABLE api_keys`);
    await db.query(`DROP TABLE teams`);
  }
}
