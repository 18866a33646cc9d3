import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { NullMeansDefault } from '../../common/validation/null-means-default.js';
import { Satisfies } from '../../common/validation/satisfies.validator.js';

function integerProblem(field: string, value: unknown, min: number, max: number): string | null {
  if (typeof value !== 'number' || !Number.isInteger(value)) return `${field} must be an integer`;
  if (value < min || value > max) return `${field} must be between ${min} and ${max}`;
  return null;
}

/** `null` clears the limit; otherwise an integer 1–10000. */
function concurrencyProblem(value: unknown): string | null {
  return value === null ? null : integerProblem('concurrency', value, 1, 10000);
}

/** `null` clears the limit; otherwise exactly `{limit: 1–100000, period: 1–3600}`. */
function rateLimitProblem(value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    return 'rateLimit must be an object with limit and period, or null';
  const { limit, period, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) return `rateLimit.${unknown} is not a rateLimit field`;
  if (limit === undefined) return 'rateLimit.limit is required';
  if (period === undefined) return 'rateLimit.period is required';
  return integerProblem('rateLimit.limit', limit, 1, 100000) ?? integerProblem('rateLimit.period', period, 1, 3600);
}

export class RateLimitDto {
  /** Call starts allowed per period, 1–100000. @example 50 */
  limit: number;
  /** The rolling window in seconds, 1–3600. @example 1 */
  period: number;
}

/** PUT /v1/queues/{name}: what is left out stays as it is; `null` clears a limit. */
export class PutQueueDto {
  /** Hold every call of the queue (calls in flight finish). `null` is the same as leaving it out. */
  @IsOptional()
  @NullMeansDefault()
  @IsBoolean({ message: 'paused must be a boolean' })
  paused?: boolean;

  /** At most this many of the queue's calls in flight across all processes, 1–10000; null: no limit. */
  @ApiPropertyOptional({ type: 'integer', nullable: true, example: 8 })
  @Satisfies(concurrencyProblem)
  @IsOptional()
  concurrency?: number | null;

  /** At most `limit` call starts per rolling `period` seconds across all processes; null: no limit. */
  @ApiPropertyOptional({ type: RateLimitDto, nullable: true })
  @Satisfies(rateLimitProblem)
  @IsOptional()
  rateLimit?: { limit: number; period: number } | null;
}
