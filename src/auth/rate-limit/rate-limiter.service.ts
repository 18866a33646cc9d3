import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { RateLimitDecision } from '../../common/access/rate-limit-decision.js';
import type { AppConfiguration } from '../../config/configuration.js';
import { Clock } from '../../common/time/clock.js';
import { AsyncCommitPool } from '../../database/async-commit-pool.service.js';

const WINDOW_MS = 60_000;
const RATE_LIMIT_SHARDS = 16;

/**
 * Fixed one-minute windows counted in PostgreSQL, so every process enforces one shared limit.
 * One statement per request, or per batch of concurrent API-key requests: bump one of the team's
 * shard rows, then add the others. Requests racing in other shards may be counted a moment late,
 * so a burst can overshoot by a few. The counters are written with asynchronous commit: a crash
 * may forget a few requests, never a task.
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
    const window = this.currentWindow();
    const [row] = await this.counters.query<{ used: number }>(
      `WITH hit AS (${bumpShard('VALUES ($1, $2, $3, 1)')})
       SELECT ${usedInWindow('$1', '$2', '$3')} AS used`,
      [subject, window.start, window.shard],
      'aq_rate_limit_hit',
    );
    return this.decide(Number(row?.used ?? 1), limit, window);
  }

  /**
   * Runs `lookup` for many inputs in one statement and counts each input it finds against that
   * team's window in the same statement: authentication and the rate limit of a whole batch of
   * requests in one round trip. `lookup` is a SELECT over `req(input text, n int)` (the inputs
   * and their 1-based positions) yielding at most one row per input, with columns `n` and
   * `team_id`. Inputs of one team are counted in input order, as if they had come one by one.
   * Answers each input at its position: undefined when the lookup found nothing.
   */
  async lookupManyCountingTeams<T extends { team_id: string }>(
    lookup: string,
    inputs: string[],
    name: string,
  ): Promise<((T & { rateLimit: RateLimitDecision }) | undefined)[]> {
    const window = this.currentWindow();
    const rows = await this.counters.query<T & { n: number; used: number }>(
      `WITH req AS (SELECT input, n::int FROM unnest($1::text[]) WITH ORDINALITY AS r(input, n)),
       found AS (${lookup}),
       hit AS (${bumpShard('SELECT team_id::text, $2::timestamptz, $3::smallint, count(*) FROM found GROUP BY team_id', 'subject')})
       SELECT found.*, (hit.request_count - count(*) OVER (PARTITION BY found.team_id)
           + row_number() OVER (PARTITION BY found.team_id ORDER BY found.n)
           + ${othersInWindow('found.team_id::text', '$2', '$3')})::int AS used
       FROM found JOIN hit ON hit.subject = found.team_id::text`,
      [inputs, window.start, window.shard],
      name,
    );
    const answers = new Array<(T & { rateLimit: RateLimitDecision }) | undefined>(inputs.length);
    for (const { n, used, ...found } of rows) {
      answers[n - 1] = { ...(found as unknown as T), rateLimit: this.decide(Number(used), this.teamLimit, window) };
    }
    return answers;
  }

  private currentWindow(): { now: number; start: Date; shard: number } {
    const now = this.clock.now().getTime();
    return { now, start: new Date(now - (now % WINDOW_MS)), shard: randomInt(RATE_LIMIT_SHARDS) };
  }

  private decide(used: number, limit: number, window: { now: number; start: Date }): RateLimitDecision {
    const end = window.start.getTime() + WINDOW_MS;
    return {
      limit,
      remaining: Math.max(0, limit - used),
      resetAt: Math.ceil(end / 1000),
      retryAfterSeconds: Math.max(1, Math.ceil((end - window.now) / 1000)),
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

/**
 * Adds requests to shard rows of the window (rows of subject, start, shard, count from `source`,
 * one per subject), returning the new counts (and `returning` columns).
 */
function bumpShard(source: string, returning = ''): string {
  return `INSERT INTO rate_limit_windows (subject, window_start, shard, request_count) ${source}
    ON CONFLICT (subject, window_start, shard)
    DO UPDATE SET request_count = rate_limit_windows.request_count + EXCLUDED.request_count
    RETURNING request_count${returning ? `, ${returning}` : ''}`;
}

/** This shard's new count plus the other shards' counts of the window. */
function usedInWindow(subject: string, start: string, shard: string): string {
  return `((SELECT request_count FROM hit) + ${othersInWindow(subject, start, shard)})::int`;
}

/** The counts of the window's other shards. */
function othersInWindow(subject: string, start: string, shard: string): string {
  return `COALESCE((
    SELECT sum(request_count) FROM rate_limit_windows
    WHERE subject = ${subject} AND window_start = ${start} AND shard <> ${shard}), 0)`;
}
