import { Injectable } from '@nestjs/common';
import type { IntrospectionResponse } from './auth.views.js';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/http/ids.js';
import { Clock } from '../common/time/clock.js';
import { randomBase62, sha256Hex } from './credentials/secret-tokens.js';
import { OAuthAccessToken } from './entities/oauth-access-token.entity.js';
import type { OAuthClient } from './entities/oauth-client.entity.js';
import type { Principal } from '../common/access/principal.js';
import type { Scope } from '../common/access/scopes.js';

export const ACCESS_TOKEN_PREFIX = 'aq_at_';
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
const ACCESS_TOKEN_PATTERN = /^aq_at_[0-9A-Za-z]{43}$/;

@Injectable()
export class OAuthTokensService {
  constructor(
    @InjectRepository(OAuthAccessToken)
    private readonly tokens: Repository<OAuthAccessToken>,
    private readonly clock: Clock,
  ) {}

  /**
   * Deletes up to `limit` access tokens that expired more than a day ago (SPEC §11), from `after`
   * (a timestamptz as text) on; returns how many, and the expiry of the last one as the next `after`.
   */
  async deleteExpired(limit: number, after: string): Promise<{ n: number; last: string | null }> {
    const rows = await this.tokens.query<{ n: number; last: string | null }[]>(
      `WITH doomed AS (
         SELECT id, expires_at FROM oauth_access_tokens
         WHERE expires_at < now() - interval '1 day' AND expires_at >= $2::timestamptz
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED),
       deleted AS (DELETE FROM oauth_access_tokens o USING doomed WHERE o.id = doomed.id RETURNING doomed.expires_at)
       SELECT count(*)::int AS n, max(expires_at)::text AS last FROM deleted`,
      [limit, after],
    );
    return rows[0] ?? { n: 0, last: null };
  }

  newAccessToken(): string {
    return `${ACCESS_TOKEN_PREFIX}${randomBase62(256)}`;
  }

  async save(accessToken: string, client: OAuthClient, scopes: Scope[], expiresAt?: Date): Promise<OAuthAccessToken> {
    const issuedAt = this.clock.now();
    const record = this.tokens.create({
      id: newId(),
      tokenHash: sha256Hex(accessToken),
      clientId: client.id,
      teamId: client.teamId,
      scopes,
      issuedAt,
      expiresAt: expiresAt ?? new Date(issuedAt.getTime() + ACCESS_TOKEN_LIFETIME_SECONDS * 1000),
      revokedAt: null,
    });
    await this.tokens.insert(record);
    return record;
  }

  async authenticate(candidate: string): Promise<Principal> {
    const record = await this.findActive(candidate);
    if (!record) {
      throw new AppError('unauthenticated', 'Invalid or expired access token', {
        'WWW-Authenticate': 'Bearer error="invalid_token"',
      });
    }
    return {
      teamId: record.teamId,
      kind: 'oauth',
      scopes: record.scopes,
      clientId: record.clientId,
    };
  }

  /** RFC 7009: revoking an unknown token, or another client's, silently does nothing. */
  async revoke(candidate: string, clientId: string): Promise<void> {
    if (!ACCESS_TOKEN_PATTERN.test(candidate)) return;
    await this.tokens.update(
      { tokenHash: sha256Hex(candidate), clientId, revokedAt: IsNull() },
      { revokedAt: this.clock.now() },
    );
  }

  /** RFC 7662: anything not issued to the asking client is reported as inactive. */
  async introspect(candidate: string, clientId: string): Promise<IntrospectionResponse> {
    const record = await this.findActive(candidate);
    if (!record || record.clientId !== clientId) return { active: false };
    return {
      active: true,
      scope: record.scopes.join(' '),
      client_id: record.clientId,
      exp: Math.floor(record.expiresAt.getTime() / 1000),
      iat: Math.floor(record.issuedAt.getTime() / 1000),
      token_type: 'Bearer',
    };
  }

  private async findActive(candidate: string): Promise<OAuthAccessToken | null> {
    if (!ACCESS_TOKEN_PATTERN.test(candidate)) return null;
    const record = await this.tokens.findOneBy({
      tokenHash: sha256Hex(candidate),
    });
    if (!record || record.revokedAt || record.expiresAt.getTime() <= this.clock.now().getTime()) return null;
    return record;
  }
}
