import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, Min, Validate } from 'class-validator';
import { urlProblem } from '../../common/net/target-url.js';
import { MaxUtf8Bytes } from '../../common/validation/max-utf8-bytes.validator.js';
import { NullMeansDefault } from '../../common/validation/null-means-default.js';
import { RawJson } from '../../common/validation/raw-json.js';
import { Satisfies } from '../../common/validation/satisfies.validator.js';
import { HTTP_METHODS, RETRY_BACKOFFS, type HttpMethod, type RetryBackoff } from '../rules/task-status.js';
import { pollConfigProblem } from '../rules/poll-config.js';
import { DEFAULT_PRIORITY, HIGHEST_PRIORITY, LOWEST_PRIORITY } from '../rules/priority.js';
import { PROVIDER_IDS } from '../rules/provider-templates.js';
import { headersProblem } from '../rules/header-rules.js';
import { DEFAULT_QUEUE, queueNameProblem } from '../rules/queue-name.js';

export const MAX_TASK_BODY_BYTES = 1024 * 1024;

const DELAY_UNTIL_FORMAT = 'delayUntil must be an ISO 8601 date-time';

/** ISO 8601 allows week and ordinal dates (`2026-W01`) that Date cannot read; they would be stored as no delay at all. */
function delayUntilProblem(value: unknown): string | null {
  return typeof value === 'string' && Number.isNaN(Date.parse(value)) ? DELAY_UNTIL_FORMAT : null;
}

function between(field: string, min: number, max: number) {
  // Registered in this order, so they are checked in this order: the type first.
  return [
    IsInt({ message: `${field} must be an integer` }),
    Min(min, { message: `${field} must be between ${min} and ${max}` }),
    Max(max, { message: `${field} must be between ${min} and ${max}` }),
  ];
}

function applyAll(decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((decorator) => decorator(target, key));
}

export class CreateTaskDto {
  /**
   * URL to call: http or https, at most 2048 characters, no credentials, a public address (or one
   * in ALLOWED_PRIVATE_TARGETS). `localhost` names count as 127.0.0.1 and ::1.
   * @example 'https://example.com/'
   */
  @Satisfies((value) => urlProblem('targetUrl', value))
  targetUrl: string;

  /** HTTP method: GET, POST, PUT, PATCH or DELETE. */
  @ApiPropertyOptional()
  @IsOptional()
  @NullMeansDefault()
  @IsIn(HTTP_METHODS, {
    message: `method must be one of ${HTTP_METHODS.join(', ')}`,
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value))
  method: HttpMethod = 'POST';

  /**
   * Request headers (at most 50). A value starting with `tok_` is a vault reference, replaced by
   * the token's whole value when the call is made.
   * @example {"Content-Type": "application/json"}
   */
  @ApiPropertyOptional()
  @IsOptional()
  @RawJson()
  @Satisfies(headersProblem)
  headers: Record<string, string> = {};

  /**
   * Request body (at most 1 MiB); not sent for GET.
   * @example '{"hello":"world"}'
   */
  @IsOptional()
  @Validate(MaxUtf8Bytes, [MAX_TASK_BODY_BYTES], {
    message: 'body must be at most 1 MiB',
  })
  @IsString({ message: 'body must be a string' })
  body?: string;

  /** Seconds per attempt, 1–900. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @NullMeansDefault()
  @applyAll(between('timeout', 1, 900))
  timeout: number = 30;

  /** Seconds a task may stay waiting or polling before it times out, 1–86400. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @NullMeansDefault()
  @applyAll(between('maxWaitTime', 1, 86400))
  maxWaitTime: number = 30;

  /**
   * ISO 8601 time before which the task must not run.
   * @example '2030-01-01T09:00:00.000Z'
   */
  @IsOptional()
  @Satisfies(delayUntilProblem)
  @IsISO8601({ strict: true }, { message: DELAY_UNTIL_FORMAT })
  @IsString({ message: DELAY_UNTIL_FORMAT })
  delayUntil?: string;

  /** Retries after the first attempt, 0–10. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @NullMeansDefault()
  @applyAll(between('maxRetries', 0, 10))
  maxRetries: number = 3;

  /** `exponential` (1, 2, 4, 8 s…) or `linear` (1, 2, 3 s…). */
  @ApiPropertyOptional()
  @IsOptional()
  @NullMeansDefault()
  @IsIn(RETRY_BACKOFFS, {
    message: `retryBackoff must be one of ${RETRY_BACKOFFS.join(', ')}`,
  })
  retryBackoff: RetryBackoff = 'exponential';

  /** 1–10, higher runs first. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @NullMeansDefault()
  @applyAll(between('priority', LOWEST_PRIORITY, HIGHEST_PRIORITY))
  priority: number = DEFAULT_PRIORITY;

  /**
   * URL that receives a signed POST when the task reaches a terminal status.
   * @example 'https://example.com/task-finished'
   */
  @IsOptional()
  @Satisfies((value) => urlProblem('onCompleteUrl', value))
  onCompleteUrl?: string;

  /** After a successful call the task waits for `POST /v1/signals/{signalToken}` (the token is in the create response). */
  @ApiPropertyOptional()
  @IsOptional()
  @NullMeansDefault()
  @IsBoolean({ message: 'waitForSignal must be a boolean' })
  waitForSignal: boolean = false;

  /** A built-in template (see `GET /v1/providers`) that makes the task poll the job its call started. */
  @IsOptional()
  @IsIn(PROVIDER_IDS, { message: `provider must be one of ${PROVIDER_IDS.join(', ')}` })
  provider?: string;

  /**
   * How to poll the job the call started: `{urlTemplate, statusPath, doneValues, failValues, interval?,
   * resultPath?, resultUrlTemplate?, errorPath?, forwardAuth?, maxDuration?}`.
   */
  @IsOptional()
  @RawJson()
  @Satisfies(pollConfigProblem)
  pollConfig?: Record<string, unknown>;

  /**
   * The team's queue the task belongs to (SPEC §9): its pause, concurrency and rate limit apply.
   * @example 'openai'
   */
  @ApiPropertyOptional({ default: DEFAULT_QUEUE })
  @IsOptional()
  @NullMeansDefault()
  @Satisfies((value) => queueNameProblem('queue', value))
  queue: string = DEFAULT_QUEUE;
}
