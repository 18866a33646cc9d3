import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfiguration } from '../../config/configuration.js';
import { Clock } from '../../common/time/clock.js';
import { AsyncCommitPool } from '../../database/async-commit-pool.service.js';

export interface RateLimitDecision {
  limit: number;
  remaining: number;
  /** Unix seconds at which the current window ends. */
  resetAt: number;
  retryAfterSeconds: number;
  allowed: boolean;
}

const WINDOW_MS = 60_000;
const RATE_LIMIT_SHARDS = 16;

/**
 * Fixed one-minute windows counted in PostgreSQL, so every process enforces one shared limit.
 * One statement per request: bump one of the team's shard rows, then add the others. Requests
 * racing in other shards may be counted a moment late, so a burst can overshoot by a few. The
 * counters are written with asynchronous commit: a crash may forget a few requests, never a task.
 */
@Injectable()
export class RateLimiterService {
  private readonly teamLimit: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly counters: AsyncCommitPool,
    private readonly clock: Clock,
    config: ConfigService<AppConfiguration, true>,
  ) {
    this.teamLimit = config.get('auth', { infer: true }).rateLimitPerMinute;
  }

  /** RATE_LIMIT_PER_MINUTE, shared by every key and process of the team. */
  consumeForTeam(teamId: string): Promise<RateLimitDecision> {
    return this.consume(teamId, this.teamLimit);
  }

  /** Counts one request of `subject` (a team id, or a prefixed key such as a client address). */
  async consume(subject: string, limit: number): Promise<RateLimitDecision> {
    const now = this.clock.now().getTime();
    const windowStart = now - (now % WINDOW_MS);
    const shard = randomInt(RATE_LIMIT_SHARDS);
    const [row] = await this.counters.query<{ used: number }>(
      `WITH hit AS (
         INSERT INTO rate_limit_windows (subject, window_start, shard, request_count) VALUES ($1, $2, $3, 1)
         ON CONFLICT (subject, window_start, shard)
         DO UPDATE SET request_count = rate_limit_windows.request_count + 1
         RETURNING request_count)
       SELECT ((SELECT request_count FROM hit) + COALESCE((
         SELECT sum(request_count) FROM rate_limit_windows
         WHERE subject = $1 AND window_start = $2 AND shard <> $3), 0))::int AS used`,
      [subject, new Date(windowStart), shard],
      'aq_rate_limit_hit',
    );
    const used = Number(row?.used ?? 1);
    return {
      limit,
      remaining: Math.max(0, limit - used),
      resetAt: Math.ceil((windowStart + WINDOW_MS) / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000)),
      allowed: used <= limit,
    };
  }

  @Interval('rate-limit-sweep', 60_000)
  async sweepOldWindows(): Promise<void> {
    await this.db.query(`DELETE FROM rate_limit_windows WHERE window_start < $1`, [
      new Date(this.clock.now().getTime() - 2 * WINDOW_MS),
    ]);
  }
}
