import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsOptional } from 'class-validator';
import { NullMeansDefault } from '../../common/validation/null-means-default.js';
import { RawJson } from '../../common/validation/raw-json.js';
import { Satisfies } from '../../common/validation/satisfies.validator.js';
import { cronProblem, DEFAULT_TIMEZONE, timezoneProblem } from '../rules/cron-timing.js';
import { ScheduledTaskBody } from './scheduled-task-body.dto.js';

/** The task field is checked as a task body later, by the rules of POST /v1/tasks; here only that it is an object. */
export function taskFieldProblem(value: unknown): string | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? null : 'task must be an object';
}

export class CreateScheduleDto {
  /**
   * 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), read in
   * `timezone`. Names (MON, JAN), ranges, lists, steps, L, W and # are understood.
   */
  @ApiProperty({ example: '*/5 * * * *' })
  @Satisfies(cronProblem)
  cron: string;

  /** IANA time zone the cron fields are read in. */
  @ApiProperty({ example: 'Europe/Berlin', default: DEFAULT_TIMEZONE })
  @IsOptional()
  @NullMeansDefault()
  @Satisfies(timezoneProblem)
  timezone: string = DEFAULT_TIMEZONE;

  /** The task each due time creates: a POST /v1/tasks body without delayUntil. */
  @ApiProperty({ type: () => ScheduledTaskBody })
  @RawJson()
  @Satisfies(taskFieldProblem)
  task: Record<string, unknown>;

  /** A paused schedule makes no tasks until it is resumed. */
  @IsOptional()
  @NullMeansDefault()
  @IsBoolean({ message: 'paused must be a boolean' })
  paused: boolean = false;
}
