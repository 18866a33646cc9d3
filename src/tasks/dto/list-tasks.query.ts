import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { TASK_STATUSES, type TaskStatus } from '../rules/task-status.js';
import { Satisfies } from '../../common/validation/satisfies.validator.js';
import { queueNameProblem } from '../rules/queue-name.js';

/** PostgreSQL's integer range: OFFSET beyond it is refused by the database, and no page lies that far. */
export const MAX_OFFSET = 2_147_483_647;

export class ListTasksQuery {
  /** Only tasks in this status. */
  @IsOptional()
  @IsIn(TASK_STATUSES, {
    message: `status must be one of ${TASK_STATUSES.join(', ')}`,
  })
  status?: TaskStatus;

  /** Only tasks of this queue. */
  @IsOptional()
  @Satisfies((value) => queueNameProblem('queue', value))
  queue?: string;

  /** Page size, 1–100 (default 20). */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Max(100, { message: 'limit must be between 1 and 100' })
  @Min(1, { message: 'limit must be between 1 and 100' })
  @IsInt({ message: 'limit must be an integer' })
  @Type(() => Number)
  limit: number = 20;

  /**
   * Tasks to skip, newest first (default 0, at most 2147483647). Skipped tasks are still read, so
   * deep pages cost more: page with `cursor` instead.
   */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Max(MAX_OFFSET, { message: `offset must be at most ${MAX_OFFSET}` })
  @Min(0, { message: 'offset must be at least 0' })
  @IsInt({ message: 'offset must be an integer' })
  @Type(() => Number)
  offset: number = 0;

  /**
   * Continue after the last task of a previous page: its `pagination.nextCursor`, as it was given.
   * Not combined with `offset`.
   */
  @IsOptional()
  @IsString({ message: 'cursor must be a string' })
  cursor?: string;
}
