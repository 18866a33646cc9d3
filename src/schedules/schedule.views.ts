import type { ScheduleView } from './dto/schedule-response.dto.js';
import type { Schedule } from './entities/schedule.entity.js';

export function toScheduleView(schedule: Schedule): ScheduleView {
  return {
    id: schedule.id,
    cron: schedule.cron,
    timezone: schedule.timezone,
    task: schedule.task,
    paused: schedule.paused,
    nextRunAt: schedule.nextRunAt,
    lastRunAt: schedule.lastRunAt,
    createdAt: schedule.createdAt,
  };
}
