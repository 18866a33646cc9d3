import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { inTransaction } from '../database/transaction.js';
import { TaskRepository } from '../tasks/persistence/task.repository.js';
import type { Schedule } from './entities/schedule.entity.js';
import { firedTaskRow } from './fired-task-row.js';
import { ScheduleRepository, type ScheduleAdvance } from './persistence/schedule.repository.js';
import { CronTiming } from './rules/cron-timing.js';
import { firingOf } from './rules/firing.js';

/** Schedules fired in one transaction, at most. */
export const FIRING_BATCH = 100;

export interface FiredTask {
  scheduleId: string;
  taskId: string;
  dueAt: Date;
}

/**
 * Turns due schedules into tasks, exactly once per due time however many processes do it at once.
 * One short transaction (no HTTP, only JavaScript between its statements) claims due schedules
 * with FOR UPDATE SKIP LOCKED, inserts their tasks and moves each schedule to its next due time:
 * a process that dies midway leaves nothing behind, and a second process skips the rows the first
 * holds and, once it has committed, finds them no longer due. The unique index on (schedule, due
 * time) holds even if that reasoning ever failed.
 */
@Injectable()
export class ScheduleFirer {
  private readonly logger = new Logger(ScheduleFirer.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly schedules: ScheduleRepository,
    private readonly tasks: TaskRepository,
  ) {}

  /**
   * Fires up to FIRING_BATCH schedules due at `at`, by default now by the database's clock (every
   * process judges by the same clock, whatever its host's says); `claimed` says how many were due.
   */
  fireDue(at: Date | null = null): Promise<{ fired: FiredTask[]; claimed: number }> {
    return inTransaction(this.db, async (tx) => {
      const { at: now, due } = await this.schedules.claimDue(tx, at, FIRING_BATCH);
      if (now === null) return { fired: [], claimed: 0 };
      const advances: ScheduleAdvance[] = [];
      const rows = due.flatMap((schedule) => {
        const firing = this.firingOf(schedule, now);
        advances.push({ id: schedule.id, nextRunAt: firing?.nextRunAt ?? null, lastRunAt: firing?.dueAt ?? null });
        return firing ? [firedTaskRow(schedule, firing.dueAt, now)] : [];
      });
      const inserted = rows.length > 0 ? await this.tasks.insertFired(tx, rows) : [];
      await this.schedules.advance(tx, advances);
      const fired = inserted.map((task) => ({
        scheduleId: task.scheduleId as string,
        taskId: task.id,
        dueAt: task.scheduledFor as Date,
      }));
      return { fired, claimed: due.length };
    });
  }

  /**
   * Null when the schedule's timing can no longer be read (its time zone left the runtime's
   * database, say): it stops, with a warning, rather than stopping every other schedule with it.
   */
  private firingOf(schedule: Schedule, now: Date) {
    try {
      return firingOf(CronTiming.of(schedule.cron, schedule.timezone), schedule.nextRunAt as Date, now);
    } catch (error) {
      this.logger.warn(`Schedule ${schedule.id} stopped: its timing cannot be computed (${(error as Error).message})`);
      return null;
    }
  }
}
