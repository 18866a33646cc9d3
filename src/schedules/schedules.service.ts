import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { isUuid, newId } from '../common/http/ids.js';
import { Clock } from '../common/time/clock.js';
import { parseNestedTaskBody, placed, withPlace } from '../tasks/validation/task-body.js';
import { TaskRequestValidator } from '../tasks/validation/task-request.validator.js';
import type { CreateScheduleDto } from './dto/create-schedule.dto.js';
import type { UpdateScheduleDto } from './dto/update-schedule.dto.js';
import type { Schedule } from './entities/schedule.entity.js';
import { ScheduleRepository } from './persistence/schedule.repository.js';
import { canonicalTimezone, CronTiming } from './rules/cron-timing.js';

const SCHEDULE_NOT_FOUND = 'Schedule not found';
const TASK_PLACE = 'task';

/** The API's schedule operations: check the task body as POST /v1/tasks would, compute due times, store. */
@Injectable()
export class SchedulesService {
  constructor(
    private readonly schedules: ScheduleRepository,
    private readonly requests: TaskRequestValidator,
    private readonly clock: Clock,
  ) {}

  async create(teamId: string, dto: CreateScheduleDto): Promise<Schedule> {
    const task = await this.checkedTask(teamId, dto.task);
    const timezone = canonicalTimezone(dto.timezone) ?? dto.timezone;
    const cron = dto.cron.trim();
    const now = this.clock.now();
    return this.schedules.insert({
      id: newId(),
      teamId,
      cron,
      timezone,
      task,
      paused: dto.paused,
      nextRunAt: nextRunAt(cron, timezone, dto.paused, now),
      createdAt: now,
    });
  }

  async get(teamId: string, id: string): Promise<Schedule> {
    const schedule = isUuid(id) ? await this.schedules.find(teamId, id) : null;
    if (!schedule) throw new AppError('not_found', SCHEDULE_NOT_FOUND);
    return schedule;
  }

  list(teamId: string): Promise<Schedule[]> {
    return this.schedules.list(teamId);
  }

  /**
   * Changes what the PATCH names (a task replaces the old one whole) and computes the next due
   * time again from now: none while paused, and due times missed while paused are not made up.
   */
  async update(teamId: string, id: string, dto: UpdateScheduleDto): Promise<Schedule> {
    const task = dto.task === undefined ? undefined : await this.checkedTask(teamId, dto.task);
    const timezone = dto.timezone === undefined ? undefined : (canonicalTimezone(dto.timezone) ?? dto.timezone);
    const now = this.clock.now();
    const updated = isUuid(id)
      ? await this.schedules.modify(teamId, id, (current) => {
          const cron = dto.cron?.trim() ?? current.cron;
          const zone = timezone ?? current.timezone;
          const paused = dto.paused ?? current.paused;
          return {
            cron,
            timezone: zone,
            task: task ?? current.task,
            paused,
            nextRunAt: nextRunAt(cron, zone, paused, now),
          };
        })
      : null;
    if (!updated) throw new AppError('not_found', SCHEDULE_NOT_FOUND);
    return updated;
  }

  /** Deletes the schedule; the tasks it made stay as they are. */
  async delete(teamId: string, id: string): Promise<Schedule> {
    const deleted = isUuid(id) ? await this.schedules.delete(teamId, id) : null;
    if (!deleted) throw new AppError('not_found', SCHEDULE_NOT_FOUND);
    return deleted;
  }

  /**
   * A schedule's task body, checked as POST /v1/tasks checks one (rules, addresses, vault
   * references), refusals prefixed `task: `; stored with its defaults filled in.
   */
  private async checkedTask(teamId: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (Object.prototype.hasOwnProperty.call(body, 'delayUntil')) {
      throw new AppError('invalid_request', `${TASK_PLACE}: property delayUntil should not exist`);
    }
    const dto = await parseNestedTaskBody(body, TASK_PLACE);
    if (dto.waitForSignal) {
      // Its signal token would be shown to no one; a callback URL needs no token.
      throw new AppError(
        'invalid_request',
        `${TASK_PLACE}: waitForSignal cannot be used in a schedule; use {asyncqueue_callback_url} to wait for a callback`,
      );
    }
    const checked = await withPlace(TASK_PLACE, () => this.requests.check(dto));
    const refusal = await this.requests.firstRefusedReferences(teamId, [
      { headers: dto.headers, hosts: checked.credentialHosts },
    ]);
    if (refusal) throw placed(TASK_PLACE, refusal.error);
    return { ...dto };
  }
}

function nextRunAt(cron: string, timezone: string, paused: boolean, now: Date): Date | null {
  return paused ? null : CronTiming.of(cron, timezone).nextAfter(now);
}
