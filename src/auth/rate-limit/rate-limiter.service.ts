import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfiguration } from '../../config/configuration.js';
import { Clock } from '../../common/time/clock.js';
import { queryRows } from '../../database/sql.js';

export interface RateLimitDecision {
  limit: number;
  remaining: number;
  /** Unix seconds at which the current window ends. */
  resetAt: number;
  retryAfterSeconds: number;
  allowed: boolean;
}

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows counted in PostgreSQL, so every process enforces one shared limit.
 * One upsert per request; the counter row is the synchronisation point.
 */
@Injectable()
export class RateLimiterService {
  private readonly limit: number;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    config: ConfigService<AppConfiguration, true>,
  ) {
    this.limit = config.get('auth', { infer: true }).rateLimitPerMinute;
  }

  async consume(teamId: string): Promise<RateLimitDecision> {
    const now = this.clock.now().getTime();
    const windowStart = now - (now % WINDOW_MS);
    const [row] = await queryRows<{ request_count: number }>(
      this.db,
      `INSERT INTO rate_limit_windows (team_id, window_start, request_count) VALUES ($1, $2, 1)
       ON CONFLICT (team_id, window_start)
       DO UPDATE SET request_count = rate_limit_windows.request_count + 1
       RETURNING request_count`,
      [teamId, new Date(windowStart)],
    );
    const used = Number(row?.request_count ?? 1);
    return {
      limit: this.limit,
      remaining: Math.max(0, this.limit - used),
      resetAt: Math.ceil((windowStart + WINDOW_MS) / 1000),
      retryAfterSeconds: Math.max(
        1,
        Math.ceil((windowStart + WINDOW_MS - now) / 1000),
      ),
      allowed: used <= this.limit,
    };
  }

  @Interval('rate-limit-sweep', 60_000)
  async sweepOldWindows(): Promise<void> {
    await this.db.query(
      `DELETE FROM rate_limit_windows WHERE window_start < $1`,
      [new Date(this.clock.now().getTime() - 2 * WINDOW_MS)],
    );
  }
}
