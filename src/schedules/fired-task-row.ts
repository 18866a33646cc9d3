import type { Schedule } from './entities/schedule.entity.js';
import { CreateTaskDto } from '../tasks/dto/create-task.dto.js';
import { newTaskRow, pollConfigOf } from '../tasks/new-task-row.js';
import type { NewTaskRow } from '../tasks/persistence/task-insert.sql.js';

/**
 * The row of the task a schedule makes for `dueAt`, at `now`: what POST /v1/tasks builds from the
 * same body (checked when the schedule was written), with the schedule and due time. A field added
 * to task bodies since the schedule was written takes its default.
 */
export function firedTaskRow(schedule: Schedule, dueAt: Date, now: Date): NewTaskRow {
  const dto = Object.assign(new CreateTaskDto(), schedule.task);
  // The fired insert requires nothing of the vault: references are resolved at each call.
  const checked = { pollConfig: pollConfigOf(dto), tokenIds: [], credentialHosts: [] };
  return { ...newTaskRow(schedule.teamId, dto, checked, undefined, now), scheduleId: schedule.id, scheduledFor: dueAt };
}
