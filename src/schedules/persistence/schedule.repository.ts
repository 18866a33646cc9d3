import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../../database/sql.js';
import { inTransaction, type Transaction } from '../../database/transaction.js';
import { Schedule } from '../entities/schedule.entity.js';
import {
  ADVANCE_SCHEDULES_SQL,
  CLAIM_DUE_SCHEDULES_SQL,
  DELETE_SCHEDULE_SQL,
  FIND_SCHEDULE_SQL,
  INSERT_SCHEDULE_SQL,
  LIST_SCHEDULES_SQL,
  LOCK_SCHEDULE_SQL,
  MS_UNTIL_NEXT_DUE_SQL,
  UPDATE_SCHEDULE_SQL,
} from './schedules.sql.js';

/** What a change of a schedule sets (every field: the service merges a PATCH into the current row). */
export type ScheduleFields = Pick<Schedule, 'cron' | 'timezone' | 'task' | 'paused' | 'nextRunAt'>;

/** A fired schedule's next due time, and the due time it fired for (null: it did not fire). */
export interface ScheduleAdvance {
  id: string;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
}

/** The one home of every statement on the schedules table. */
@Injectable()
export class ScheduleRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(schedule: Omit<Schedule, 'lastRunAt'>): Promise<Schedule> {
    const [row] = await this.query(INSERT_SCHEDULE_SQL, [
      schedule.id,
      schedule.teamId,
      schedule.cron,
      schedule.timezone,
      JSON.stringify(schedule.task),
      schedule.paused,
      schedule.nextRunAt,
      schedule.createdAt,
    ]);
    return row;
  }

  async find(teamId: string, id: string): Promise<Schedule | null> {
    const [row] = await this.query(FIND_SCHEDULE_SQL, [id, teamId]);
    return row ?? null;
  }

  /** The team's schedules, oldest first. */
  list(teamId: string): Promise<Schedule[]> {
    return this.query(LIST_SCHEDULES_SQL, [teamId]);
  }

  /**
   * Reads the schedule locked, and writes what `change` makes of it, in one transaction: a firing
   * of the schedule happens wholly before or wholly after. Null when the team has no such schedule.
   */
  modify(teamId: string, id: string, change: (current: Schedule) => ScheduleFields): Promise<Schedule | null> {
    return inTransaction(this.db, async (tx) => {
      const [current] = await this.queryIn(tx, LOCK_SCHEDULE_SQL, [id, teamId]);
      if (!current) return null;
      const next = change(current);
      const [updated] = await this.queryIn(tx, UPDATE_SCHEDULE_SQL, [
        id,
        teamId,
        next.cron,
        next.timezone,
        JSON.stringify(next.task),
        next.paused,
        next.nextRunAt,
      ]);
      return updated;
    });
  }

  /** The deleted schedule, or null. A firing in progress finishes first; none follows. */
  async delete(teamId: string, id: string): Promise<Schedule | null> {
    const [row] = await this.query(DELETE_SCHEDULE_SQL, [id, teamId]);
    return row ?? null;
  }

  // The firing (ScheduleFirer), on its transaction

  /**
   * Up to `limit` schedules due at `at` (null: now by the database's clock), locked until the
   * transaction ends; others' locked ones are skipped. `at`: the instant they were judged due at
   * (null when none was due).
   */
  async claimDue(tx: Transaction, at: Date | null, limit: number): Promise<{ at: Date | null; due: Schedule[] }> {
    const rows = await tx.query<Record<string, unknown> & { firedAt: Date }>(CLAIM_DUE_SCHEDULES_SQL, [at, limit]);
    const due = rows.map(({ firedAt: _firedAt, ...row }) => Object.assign(new Schedule(), row));
    return { at: rows[0]?.firedAt ?? null, due };
  }

  async advance(tx: Transaction, advances: ScheduleAdvance[]): Promise<void> {
    await tx.query(ADVANCE_SCHEDULES_SQL, [JSON.stringify(advances)]);
  }

  /** Milliseconds until the earliest schedule is due, by the database's clock (≤ 0: due), or null when none will fire. */
  async msUntilNextDue(): Promise<number | null> {
    const [row] = await queryRows<{ ms: number | null }>(this.db, MS_UNTIL_NEXT_DUE_SQL, [], 'aq_schedules_next_due');
    return row?.ms ?? null;
  }

  private async query(sql: string, params: unknown[]): Promise<Schedule[]> {
    const rows = await queryRows<Record<string, unknown>>(this.db, sql, params);
    return rows.map((row) => Object.assign(new Schedule(), row));
  }

  private async queryIn(tx: Transaction, sql: string, params: unknown[]): Promise<Schedule[]> {
    const rows = await tx.query<Record<string, unknown>>(sql, params);
    return rows.map((row) => Object.assign(new Schedule(), row));
  }
}
