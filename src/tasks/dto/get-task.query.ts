import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_WAIT_SECONDS = 25;

export class GetTaskQuery {
  /** Hold the request up to this many seconds (0–25) until the task's status changes. */
  @ApiPropertyOptional({ type: 'integer' })
  @IsOptional()
  @Max(MAX_WAIT_SECONDS, {
    message: `wait must be between 0 and ${MAX_WAIT_SECONDS}`,
  })
  @Min(0, { message: `wait must be between 0 and ${MAX_WAIT_SECONDS}` })
  @IsInt({ message: 'wait must be an integer' })
  @Type(() => Number)
  wait?: number;
}
