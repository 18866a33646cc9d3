import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error.js';
import { Clock } from '../common/time/clock.js';
import type { BulkTasksDto } from './dto/bulk-tasks.dto.js';
import { TaskRepository, type BulkKind, type BulkPosition, type BulkSlice } from './persistence/task.repository.js';

/** Past every id: the walk starts before it. */
const LAST_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
/** PostgreSQL's deadlock_detected: another statement locked some of a batch's rows in another order. */
const DEADLOCK = '40P01';
const ATTEMPTS_PER_BATCH = 3;

export interface BulkResult {
  matched: number;
  changed: number;
}

/**
 * Bulk cancel and retry by filter (SPEC §9). The request is answered when the change is done: it
 * walks the matching tasks newest first, one status at a time, in batches of 1,000 rows, each
 * batch one statement and one short transaction, so workers keep claiming and finishing tasks
 * (even of the same queue) while it runs. Tasks created after the request arrived are left alone.
 */
@Injectable()
export class TaskBulkService {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly clock: Clock,
  ) {}

  async change(kind: BulkKind, teamId: string, dto: BulkTasksDto): Promise<BulkResult> {
    const slices = this.slicesOf(kind, teamId, dto);
    const result = { matched: 0, changed: 0 };
    for (const slice of slices) {
      if (dto.dryRun) {
        result.matched += await this.tasks.bulkCount(slice);
        continue;
      }
      const done = await this.walk(kind, slice);
      result.matched += done.matched;
      result.changed += done.changed;
    }
    return result;
  }

  private async walk(kind: BulkKind, slice: BulkSlice): Promise<BulkResult> {
    const result = { matched: 0, changed: 0 };
    let position: BulkPosition = { createdAt: slice.createdBefore, id: LAST_ID };
    for (;;) {
      const batch = await this.batchWithRetry(kind, slice, position);
      result.matched += batch.matched;
      result.changed += batch.changed;
      if (batch.last === null || slice.ids !== null) return result;
      position = batch.last;
    }
  }

  private async batchWithRetry(kind: BulkKind, slice: BulkSlice, position: BulkPosition) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tasks.bulkChangeBatch(kind, slice, position, this.clock.now());
      } catch (error) {
        if ((error as { code?: string }).code !== DEADLOCK || attempt >= ATTEMPTS_PER_BATCH) throw error;
      }
    }
  }

  /** One slice per status the change takes that the filter admits; a 400 for a filter with no condition. */
  private slicesOf(kind: BulkKind, teamId: string, dto: BulkTasksDto): BulkSlice[] {
    const filter = dto.filter ?? {};
    const { status, queue, createdAfter, createdBefore, ids } = filter;
    if (
      [status, queue, createdAfter, createdBefore, ids].every(
        (condition) => condition === undefined || condition === null,
      )
    ) {
      throw new AppError('invalid_request', 'filter must name at least one condition');
    }
    const after = createdAfter ? new Date(createdAfter) : null;
    const before = createdBefore ? new Date(createdBefore) : null;
    if (after && before && after.getTime() >= before.getTime()) {
      throw new AppError('invalid_request', 'filter.createdAfter must be before filter.createdBefore');
    }
    // Tasks created from now on are not the request's: the walk ends where it starts.
    const arrival = new Date(this.clock.now().getTime() + 1);
    const upper = before && before.getTime() < arrival.getTime() ? before : arrival;
    return this.tasks
      .bulkStatuses(kind)
      .filter((taken) => !status || status.includes(taken))
      .map((taken) => ({
        teamId,
        status: taken,
        createdAfter: after ? after.toISOString() : '-infinity',
        createdBefore: upper.toISOString(),
        queue: queue ?? null,
        ids: ids ? [...new Set(ids.map((id) => id.toLowerCase()))] : null,
      }));
  }
}
