import type { AttemptOutcome, TaskLeaseStore } from './task-lease.store.js';

const MAX_BATCH = 100;

/**
 * Outcomes finishing close together are written with one statement: each caller waits for the
 * flush that carries its outcome, learning whether its fenced write took effect.
 */
export class CompletionBatcher {
  private pending: { outcome: AttemptOutcome; resolve: (applied: boolean) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(private readonly store: TaskLeaseStore) {}

  write(outcome: AttemptOutcome): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ outcome, resolve, reject });
      if (this.pending.length >= MAX_BATCH) {
        void this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  async flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    try {
      const applied = await this.store.complete(batch.map((entry) => entry.outcome));
      for (const entry of batch) entry.resolve(applied.has(entry.outcome.taskId));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
    if (this.pending.length > 0) await this.flush();
  }
}
