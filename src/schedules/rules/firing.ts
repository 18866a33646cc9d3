import type { CronTiming } from './cron-timing.js';

/** One firing of a due schedule: the due time its task is for, and when the schedule is due next. */
export interface Firing {
  dueAt: Date;
  /** Null when the cron matches no later time. */
  nextRunAt: Date | null;
}

/**
 * The firing of a schedule due at `nextRunAt` (at or before `now`). However many due times passed
 * since (the service was down, or the schedule's processes were busy), it fires once, for the
 * latest of them, and is next due at the first due time after `now`: missed times are not made up.
 */
export function firingOf(timing: CronTiming, nextRunAt: Date, now: Date): Firing {
  const latest = timing.latestAtOrBefore(now);
  const dueAt = latest !== null && latest > nextRunAt ? latest : nextRunAt;
  return { dueAt, nextRunAt: timing.nextAfter(dueAt > now ? dueAt : now) };
}
