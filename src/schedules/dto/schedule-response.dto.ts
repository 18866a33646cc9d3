import { ApiProperty } from '@nestjs/swagger';
import { ScheduledTaskBody } from './scheduled-task-body.dto.js';

export class ScheduleView {
  id: string;
  /** As given: 5 fields, or 6 with seconds first. */
  @ApiProperty({ example: '*/5 * * * *' })
  cron: string;
  @ApiProperty({ example: 'Europe/Berlin' })
  timezone: string;
  /** The task body each due time creates, with its defaults filled in; headers keep their tok_ references. */
  @ApiProperty({ type: () => ScheduledTaskBody })
  task: Record<string, unknown>;
  paused: boolean;
  /** The next due time; null while paused, or when the cron matches no later time. */
  nextRunAt: Date | null;
  /** The due time the latest task was made for; null before the first. */
  lastRunAt: Date | null;
  createdAt: Date;
}

export class ScheduleResponse {
  schedule: ScheduleView;
}

export class ScheduleListResponse {
  /** The team's schedules, oldest first. */
  schedules: ScheduleView[];
}
