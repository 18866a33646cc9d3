import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { isUuid, newId } from '../common/http/ids.js';
import { Clock } from '../common/time/clock.js';
import { StatementBatcher } from '../database/statement-batcher.js';
import { displayPrefixOf, generateApiKey, isWellFormedApiKey } from './credentials/api-key-format.js';
import { constantTimeEqual, sha256Hex } from './credentials/secret-tokens.js';
import { ApiKey } from './entities/api-key.entity.js';
import type { Principal } from '../common/access/principal.js';
import type { RateLimitDecision } from '../common/access/rate-limit-decision.js';
import { RateLimiterService } from './rate-limit/rate-limiter.service.js';
import { SCOPES } from '../common/access/scopes.js';

const LAST_USED_WRITE_INTERVAL_MS = 60_000;
/** Key lookups of concurrent requests share a statement (see StatementBatcher). */
const MAX_LOOKUPS_PER_STATEMENT = 100;
const MAX_LOOKUP_STATEMENTS_IN_FLIGHT = 2;

interface FoundApiKey {
  id: string;
  team_id: string;
  key_hash: string;
  rateLimit: RateLimitDecision;
}

export const INVALID_API_KEY = 'Invalid or revoked API key';

@Injectable()
export class ApiKeysService {
  /** Per-process memory of when lastUsedAt was last written, so a busy key costs one write a minute. */
  private readonly lastUsedWrites = new Map<string, number>();
  private readonly lookups: StatementBatcher<string, FoundApiKey | undefined>;

  constructor(
    @InjectRepository(ApiKey) private readonly apiKeys: Repository<ApiKey>,
    limiter: RateLimiterService,
    private readonly clock: Clock,
  ) {
    // Every authenticated request runs this: raw, prepared, shared by concurrent requests, and
    // counted against the team's rate limit in the same statement.
    this.lookups = new StatementBatcher(
      (hashes) =>
        limiter.lookupManyCountingTeams<Omit<FoundApiKey, 'rateLimit'>>(
          `SELECT req.n, k.id, k.team_id, k.key_hash
           FROM req JOIN api_keys k ON k.key_hash = req.input AND k.revoked_at IS NULL`,
          hashes,
          'aq_api_keys_by_hash',
        ),
      { maxInputs: MAX_LOOKUPS_PER_STATEMENT, maxStatementsInFlight: MAX_LOOKUP_STATEMENTS_IN_FLIGHT },
    );
  }

  async create(teamId: string, name: string): Promise<{ apiKey: ApiKey; key: string }> {
    const key = generateApiKey();
    const apiKey = this.apiKeys.create({
      id: newId(),
      teamId,
      name,
      prefix: displayPrefixOf(key),
      keyHash: sha256Hex(key),
      createdAt: this.clock.now(),
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.apiKeys.insert(apiKey);
    return { apiKey, key };
  }

  listActive(teamId: string): Promise<ApiKey[]> {
    return this.apiKeys.find({
      where: { teamId, revokedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async revoke(teamId: string, id: string): Promise<ApiKey> {
    return this.revokeWhere(id, { teamId });
  }

  /** For operators (the admin CLI), who may revoke any team's key by its id. */
  revokeById(id: string): Promise<ApiKey> {
    return this.revokeWhere(id, {});
  }

  private async revokeWhere(id: string, scope: { teamId?: string }): Promise<ApiKey> {
    const notFound = new AppError('not_found', 'API key not found or already revoked');
    if (!isUuid(id)) throw notFound;
    const apiKey = await this.apiKeys.findOneBy({ id, ...scope, revokedAt: IsNull() });
    if (!apiKey) throw notFound;
    apiKey.revokedAt = this.clock.now();
    const { affected } = await this.apiKeys.update({ id, revokedAt: IsNull() }, { revokedAt: apiKey.revokedAt });
    if (affected === 0) throw notFound;
    return apiKey;
  }

  /** Malformed keys and bad checksums are refused before any query. */
  async authenticate(candidate: string): Promise<Principal> {
    if (!isWellFormedApiKey(candidate)) throw new AppError('unauthenticated', INVALID_API_KEY);
    const hash = sha256Hex(candidate);
    const apiKey = await this.lookups.submit(hash);
    if (!apiKey || !constantTimeEqual(apiKey.key_hash, hash)) {
      throw new AppError('unauthenticated', INVALID_API_KEY);
    }
    await this.touch(apiKey.id);
    return {
      teamId: apiKey.team_id,
      kind: 'api_key',
      scopes: SCOPES,
      apiKeyId: apiKey.id,
      rateLimit: apiKey.rateLimit,
    };
  }

  private async touch(apiKeyId: string): Promise<void> {
    const now = this.clock.now().getTime();
    const last = this.lastUsedWrites.get(apiKeyId) ?? 0;
    if (now - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.lastUsedWrites.set(apiKeyId, now);
    await this.apiKeys.update({ id: apiKeyId }, { lastUsedAt: new Date(now) });
  }
}
