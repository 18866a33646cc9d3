import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { RawJson } from '../../common/validation/raw-json.js';
import { Satisfies } from '../../common/validation/satisfies.validator.js';
import { cronProblem, timezoneProblem } from '../rules/cron-timing.js';
import { taskFieldProblem } from './create-schedule.dto.js';
import { ScheduledTaskBody } from './scheduled-task-body.dto.js';

/** Any of the fields of a schedule; `null` or a missing field leaves it as it is. */
export class UpdateScheduleDto {
  /** A new cron expression (5 or 6 fields). */
  @ApiProperty({ required: false, example: '0 9 * * MON-FRI' })
  @IsOptional()
  @Satisfies(cronProblem)
  cron?: string;

  /** A new IANA time zone for the cron fields. */
  @ApiProperty({ required: false, example: 'America/New_York' })
  @IsOptional()
  @Satisfies(timezoneProblem)
  timezone?: string;

  /** A new task body; it replaces the old one whole. */
  @ApiProperty({ required: false, type: () => ScheduledTaskBody })
  @IsOptional()
  @RawJson()
  @Satisfies(taskFieldProblem)
  task?: Record<string, unknown>;

  /** Pause (true) or resume (false). */
  @IsOptional()
  @IsBoolean({ message: 'paused must be a boolean' })
  paused?: boolean;
}
