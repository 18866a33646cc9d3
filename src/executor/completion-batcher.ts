import { unstorableOutcome } from './attempt-outcome.js';
import type { AttemptOutcome } from '../tasks/persistence/task-lease.types.js';
import type { TaskRepository } from '../tasks/persistence/task.repository.js';

const MAX_BATCH = 100;
/**
 * How long an outcome may wait for company before it is written. The slot is already free by
 * then, so this only delays when the result shows; it halves the writes at a few thousand calls/s.
 */
const GATHER_MS = 5;
const RETRY_DELAY_MS = 200;

interface PendingWrite {
  outcome: AttemptOutcome;
  resolve: (applied: boolean) => void;
  reject: (e: unknown) => void;
}

/**
 * Outcomes finishing close together are written with one statement: each caller waits for the
 * flush that carries its outcome, learning whether its fenced write took effect.
 *
 * One outcome the database refuses (a value it cannot store) fails the whole shared statement. The
 * batch is then written outcome by outcome, so the others land, and an outcome that still cannot
 * be written ends its task `failed` with the reason: left alone it would be claimed and sent again
 * every time its lease ran out.
 */
export class CompletionBatcher {
  private pending: PendingWrite[] = [];
  private scheduled = false;

  constructor(
    private readonly store: TaskRepository,
    private readonly now: () => Date = () => new Date(),
  ) {}

  write(outcome: AttemptOutcome): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ outcome, resolve, reject });
      if (this.pending.length >= MAX_BATCH) {
        void this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(() => void this.flush(), GATHER_MS);
      }
    });
  }

  async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    try {
      const applied = await this.writeBatch(batch.map((entry) => entry.outcome));
      for (const entry of batch) entry.resolve(applied.has(entry.outcome.taskId));
    } catch (error) {
      if (!isRefusedValue(error)) {
        for (const entry of batch) entry.reject(error);
      } else {
        await Promise.all(batch.map((entry) => this.writeAlone(entry)));
      }
    }
    if (this.pending.length > 0) await this.flush();
  }

  /**
   * One more try after a pause when the failure was not about the data (a dropped connection, a
   * failover); if that fails too, the leases run out and the tasks run again, which
   * at-least-once delivery allows.
   */
  private async writeBatch(outcomes: AttemptOutcome[]): Promise<Set<string>> {
    try {
      return await this.store.complete(outcomes);
    } catch (error) {
      if (isRefusedValue(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      return this.store.complete(outcomes);
    }
  }

  private async writeAlone(entry: PendingWrite): Promise<void> {
    try {
      entry.resolve((await this.store.complete([entry.outcome])).has(entry.outcome.taskId));
    } catch (error) {
      if (!isRefusedValue(error)) return entry.reject(error);
      const fallback = unstorableOutcome(entry.outcome, (error as Error).message, this.now());
      await this.store.complete([fallback]).then(
        (applied) => entry.resolve(applied.has(fallback.taskId)),
        (fallbackError: unknown) => entry.reject(fallbackError),
      );
    }
  }
}

/**
 * SQLSTATE classes of a statement refused for what it carries (22 data exception, 23 integrity
 * constraint, 54 program limit), as opposed to the connection or server failing: retrying those
 * unchanged can never succeed.
 */
function isRefusedValue(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|54)/.test(code);
}
