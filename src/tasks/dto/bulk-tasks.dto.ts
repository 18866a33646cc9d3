import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsOptional, isISO8601, isUUID, ValidateNested } from 'class-validator';
import { Satisfies } from '../../common/validation/satisfies.validator.js';
import { queueNameProblem } from '../rules/queue-name.js';
import { TASK_STATUSES, type TaskStatus } from '../rules/task-status.js';

export const MAX_BULK_IDS = 1000;

function statusProblem(value: unknown): string | null {
  if (!Array.isArray(value) || value.length === 0) return 'filter.status must be a non-empty array of task statuses';
  const bad = value.findIndex((status) => !(TASK_STATUSES as readonly unknown[]).includes(status));
  return bad < 0 ? null : `filter.status[${bad}] must be one of ${TASK_STATUSES.join(', ')}`;
}

/** Date parses what the database will be given; ISO 8601 alone admits week dates it cannot read. */
function dateTimeProblem(field: string) {
  return (value: unknown): string | null =>
    typeof value === 'string' && isISO8601(value, { strict: true }) && !Number.isNaN(Date.parse(value))
      ? null
      : `${field} must be an ISO 8601 date-time`;
}

function idsProblem(value: unknown): string | null {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_BULK_IDS) {
    return `filter.ids must hold between 1 and ${MAX_BULK_IDS} task ids`;
  }
  const bad = value.findIndex((id) => typeof id !== 'string' || !isUUID(id));
  return bad < 0 ? null : `filter.ids[${bad}] must be a task id (a UUID)`;
}

function filterProblem(value: unknown): string | null {
  return typeof value === 'object' && !Array.isArray(value) ? null : 'filter must be an object';
}

/** Which tasks a bulk change is about: every condition given must hold (AND). */
export class BulkTaskFilterDto {
  /** Only tasks in one of these statuses (the change still takes only the statuses it can). */
  @ApiPropertyOptional({ enum: TASK_STATUSES, isArray: true, example: ['failed'] })
  @IsOptional()
  @Satisfies(statusProblem)
  status?: TaskStatus[];

  /** Only tasks of this queue. @example 'openai' */
  @IsOptional()
  @Satisfies((value) => queueNameProblem('filter.queue', value))
  queue?: string;

  /** Only tasks created at or after this time (ISO 8601). @example '2026-04-09T14:00:00.000Z' */
  @IsOptional()
  @Satisfies(dateTimeProblem('filter.createdAfter'))
  createdAfter?: string;

  /** Only tasks created before this time (ISO 8601). @example '2026-04-09T15:00:00.000Z' */
  @IsOptional()
  @Satisfies(dateTimeProblem('filter.createdBefore'))
  createdBefore?: string;

  /** Only these tasks, 1 to 1,000 ids. */
  @ApiPropertyOptional({ type: [String], format: 'uuid', maxItems: MAX_BULK_IDS })
  @IsOptional()
  @Satisfies(idsProblem)
  ids?: string[];
}

/** POST /v1/tasks/cancel and /v1/tasks/retry. */
export class BulkTasksDto {
  /** At least one condition; tasks of the team that meet them all. */
  @ApiPropertyOptional({ type: BulkTaskFilterDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => BulkTaskFilterDto)
  @Satisfies(filterProblem)
  filter?: BulkTaskFilterDto;

  /** Count what would change, and change nothing. */
  @IsOptional()
  @IsBoolean({ message: 'dryRun must be a boolean' })
  dryRun?: boolean;
}
