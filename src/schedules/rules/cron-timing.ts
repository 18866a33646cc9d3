import { Cron } from 'croner';

export const DEFAULT_TIMEZONE = 'UTC';
const MAX_CRON_LENGTH = 200;
const MAX_TIMEZONE_LENGTH = 64;

/**
 * How croner reads a schedule: 5 fields (minute first) or 6 (seconds first); day of month and day
 * of week combine with OR, as in Vixie cron. A job whose seconds, minutes and hours hold no
 * wildcard or step (`30 2 * * *`, `0 9,17 * * 1-5`) is a fixed-time job: a local time skipped by a
 * DST change runs at the first valid time after the gap, on the same day, and a local time that
 * occurs twice runs once, at its first occurrence. Any other job is an interval job: it skips
 * times in a gap and runs on both occurrences of a repeated time, so it keeps its real-time rhythm.
 */
const CRON_OPTIONS = { mode: '5-or-6-parts', fixedTimeRule: 'no-wildcard', paused: true } as const;

/** When a schedule is due: a cron expression read in an IANA time zone. Built from checked input only. */
export class CronTiming {
  private constructor(private readonly cron: Cron) {}

  /** Throws when cronProblem or timezoneProblem would not be null. */
  static of(expression: string, timezone: string): CronTiming {
    return new CronTiming(new Cron(expression, { ...CRON_OPTIONS, timezone }));
  }

  /** The first due time strictly after `instant`, or null when there is none. */
  nextAfter(instant: Date): Date | null {
    return this.cron.nextRun(instant);
  }

  /** The last due time at or before `instant`, or null when there is none. */
  latestAtOrBefore(instant: Date): Date | null {
    // previousRuns looks strictly before its reference, and due times are whole seconds.
    const [latest] = this.cron.previousRuns(1, new Date(instant.getTime() + 1));
    return latest ?? null;
  }
}

/** The 400 sentence for a cron expression, or null when it is usable. */
export function cronProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'cron must be a string';
  if (value.length > MAX_CRON_LENGTH) return `cron must be at most ${MAX_CRON_LENGTH} characters`;
  const fields = value.trim().split(/\s+/).filter(Boolean).length;
  if (fields !== 5 && fields !== 6) {
    return `cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got ${fields}`;
  }
  let timing: CronTiming;
  try {
    timing = CronTiming.of(value, DEFAULT_TIMEZONE);
  } catch (error) {
    return `cron is invalid: ${(error as Error).message.replace(/^Cron\w*: /, '')}`;
  }
  return timing.nextAfter(new Date()) ? null : 'cron never matches a future time';
}

/** The 400 sentence for a time zone, or null when it is an IANA zone name this runtime knows. */
export function timezoneProblem(value: unknown): string | null {
  const problem = 'timezone must be an IANA time zone name such as "Europe/Berlin"';
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TIMEZONE_LENGTH) return problem;
  return canonicalTimezone(value) === null ? problem : null;
}

/** The zone's own spelling (`europe/berlin` → `Europe/Berlin`), or null when it is unknown. */
export function canonicalTimezone(name: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}
