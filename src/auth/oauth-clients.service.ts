import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, IsNull, type Repository } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { Clock } from '../common/time/clock.js';
import { queryRows } from '../database/sql.js';
import { constantTimeEqual, randomBase62, sha256Hex } from './credentials/secret-tokens.js';
import { OAuthClient } from './entities/oauth-client.entity.js';
import type { Scope } from '../common/access/scopes.js';

export const CLIENT_ID_PREFIX = 'aqc_';
export const CLIENT_SECRET_PREFIX = 'aqcs_';
const CLIENT_NOT_FOUND = 'OAuth client not found or already revoked';
/** What this service issues; anything else is answered without a query (and cannot carry a NUL into one). */
const CLIENT_ID_PATTERN = new RegExp(`^${CLIENT_ID_PREFIX}[0-9A-Za-z]+$`);

@Injectable()
export class OAuthClientsService {
  constructor(
    @InjectRepository(OAuthClient)
    private readonly clients: Repository<OAuthClient>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async create(teamId: string, name: string, scopes: Scope[]): Promise<{ client: OAuthClient; clientSecret: string }> {
    const clientSecret = `${CLIENT_SECRET_PREFIX}${randomBase62(256)}`;
    const client = this.clients.create({
      id: `${CLIENT_ID_PREFIX}${randomBase62(128)}`,
      teamId,
      name,
      scopes: [...new Set(scopes)],
      secretHash: sha256Hex(clientSecret),
      createdAt: this.clock.now(),
      revokedAt: null,
    });
    await this.clients.insert(client);
    return { client, clientSecret };
  }

  listActive(teamId: string): Promise<OAuthClient[]> {
    return this.clients.find({
      where: { teamId, revokedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Revokes the client and every token issued to it in one statement. */
  async revoke(teamId: string, id: string): Promise<OAuthClient> {
    if (!CLIENT_ID_PATTERN.test(id)) throw new AppError('not_found', CLIENT_NOT_FOUND);
    const revokedAt = this.clock.now();
    const [row] = await queryRows<{ id: string }>(
      this.db,
      `WITH client AS (
         UPDATE oauth_clients SET revoked_at = $3
         WHERE id = $1 AND team_id = $2 AND revoked_at IS NULL
         RETURNING id),
       tokens AS (
         UPDATE oauth_access_tokens SET revoked_at = $3
         WHERE client_id IN (SELECT id FROM client) AND revoked_at IS NULL)
       SELECT id FROM client`,
      [id, teamId, revokedAt],
    );
    if (!row) throw new AppError('not_found', CLIENT_NOT_FOUND);
    const client = await this.clients.findOneByOrFail({ id: row.id });
    return client;
  }

  /** The client for these credentials, or null; the hash comparison is constant-time. */
  async verify(clientId: string, clientSecret: string): Promise<OAuthClient | null> {
    if (!CLIENT_ID_PATTERN.test(clientId) || !clientSecret.startsWith(CLIENT_SECRET_PREFIX)) return null;
    const client = await this.clients.findOneBy({
      id: clientId,
      revokedAt: IsNull(),
    });
    if (!client) return null;
    return constantTimeEqual(client.secretHash, sha256Hex(clientSecret)) ? client : null;
  }
}
