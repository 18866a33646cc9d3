import { canonicalTimezone, cronProblem, CronTiming, timezoneProblem } from './cron-timing.js';
import { firingOf } from './firing.js';

const iso = (dates: (Date | null)[]) => dates.map((date) => date?.toISOString() ?? null);

function runsAfter(timing: CronTiming, from: string, count: number): string[] {
  const runs: Date[] = [];
  let cursor = new Date(from);
  for (let i = 0; i < count; i += 1) {
    const next = timing.nextAfter(cursor);
    if (!next) break;
    runs.push(next);
    cursor = next;
  }
  return iso(runs) as string[];
}

describe('CronTiming', () => {
  it('should read 5 fields from the minute and 6 fields from the second', () => {
    expect(runsAfter(CronTiming.of('*/15 * * * *', 'UTC'), '2026-04-09T14:07:10.000Z', 2)).toEqual([
      '2026-04-09T14:15:00.000Z',
      '2026-04-09T14:30:00.000Z',
    ]);
    expect(runsAfter(CronTiming.of('*/20 * * * * *', 'UTC'), '2026-04-09T14:07:10.500Z', 3)).toEqual([
      '2026-04-09T14:07:20.000Z',
      '2026-04-09T14:07:40.000Z',
      '2026-04-09T14:08:00.000Z',
    ]);
  });

  it('should read the fields in the schedule’s time zone', () => {
    expect(runsAfter(CronTiming.of('0 9 * * 1-5', 'America/New_York'), '2026-04-10T12:00:00.000Z', 2)).toEqual([
      '2026-04-10T13:00:00.000Z',
      '2026-04-13T13:00:00.000Z',
    ]);
  });

  describe('on the spring-forward day of Europe/Berlin (2026-03-29, 02:00 CET → 03:00 CEST)', () => {
    it('should fire a daily 02:30 schedule once, at 03:00 CEST, the first valid time after the gap', () => {
      for (const cron of ['30 2 * * *', '0 30 2 * * *']) {
        expect(runsAfter(CronTiming.of(cron, 'Europe/Berlin'), '2026-03-27T12:00:00.000Z', 4)).toEqual([
          '2026-03-28T01:30:00.000Z',
          '2026-03-29T01:00:00.000Z',
          '2026-03-30T00:30:00.000Z',
          '2026-03-31T00:30:00.000Z',
        ]);
      }
    });

    it('should keep the real-time rhythm of an interval schedule, skipping the local times that do not exist', () => {
      expect(runsAfter(CronTiming.of('*/30 * * * *', 'Europe/Berlin'), '2026-03-29T00:00:00.000Z', 3)).toEqual([
        '2026-03-29T00:30:00.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T01:30:00.000Z',
      ]);
    });
  });

  describe('on the fall-back day of Europe/Berlin (2026-10-25, 03:00 CEST → 02:00 CET)', () => {
    it('should fire a daily 02:30 schedule once, at the first 02:30 (CEST)', () => {
      expect(runsAfter(CronTiming.of('30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00.000Z', 2)).toEqual([
        '2026-10-25T00:30:00.000Z',
        '2026-10-26T01:30:00.000Z',
      ]);
    });

    it('should fire an hourly schedule on both 02:00s', () => {
      expect(runsAfter(CronTiming.of('0 * * * *', 'Europe/Berlin'), '2026-10-24T23:30:00.000Z', 3)).toEqual([
        '2026-10-25T00:00:00.000Z',
        '2026-10-25T01:00:00.000Z',
        '2026-10-25T02:00:00.000Z',
      ]);
    });
  });

  it('should find the latest due time at or before an instant', () => {
    const timing = CronTiming.of('0 * * * *', 'UTC');
    expect(iso([timing.latestAtOrBefore(new Date('2026-04-09T14:00:00.000Z'))])).toEqual(['2026-04-09T14:00:00.000Z']);
    expect(iso([timing.latestAtOrBefore(new Date('2026-04-09T14:59:59.999Z'))])).toEqual(['2026-04-09T14:00:00.000Z']);
  });
});

describe('firingOf', () => {
  const hourly = CronTiming.of('0 * * * *', 'UTC');

  it('should fire for the due time and be due next at the following one', () => {
    const firing = firingOf(hourly, new Date('2026-04-09T14:00:00.000Z'), new Date('2026-04-09T14:00:00.003Z'));
    expect(iso([firing.dueAt, firing.nextRunAt])).toEqual(['2026-04-09T14:00:00.000Z', '2026-04-09T15:00:00.000Z']);
  });

  it('should fire once after downtime, for the latest missed due time, and not make up the others', () => {
    const firing = firingOf(hourly, new Date('2026-04-09T14:00:00.000Z'), new Date('2026-04-10T02:30:00.000Z'));
    expect(iso([firing.dueAt, firing.nextRunAt])).toEqual(['2026-04-10T02:00:00.000Z', '2026-04-10T03:00:00.000Z']);
  });
});

describe('cron and timezone rules', () => {
  it.each([
    [42, 'cron must be a string'],
    ['* * *', 'cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 3'],
    ['0 0 1 1 * 2030', 'cron is invalid: Invalid value for dayOfWeek: 2030'],
    [
      '* * * * * * *',
      'cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 7',
    ],
    ['@daily', 'cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 1'],
    ['61 * * * *', 'cron is invalid: Invalid value for minute: 61'],
    ['0 0 30 2 *', 'cron never matches a future time'],
  ])('should refuse %p: %s', (cron, message) => {
    expect(cronProblem(cron)).toBe(message);
  });

  it('should accept 5 and 6 fields, names and steps', () => {
    for (const cron of ['*/5 * * * *', '0 30 2 * * *', '0 9 * * MON-FRI', '0 0 L * *', ' 0  12 * * * ']) {
      expect(cronProblem(cron)).toBeNull();
    }
  });

  it('should accept IANA zone names in any case and refuse anything else', () => {
    expect(timezoneProblem('Europe/Berlin')).toBeNull();
    expect(canonicalTimezone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimezone('UTC')).toBe('UTC');
    for (const zone of ['Mars/Olympus_Mons', '', '+25:00', 7, 'x'.repeat(65)]) {
      expect(timezoneProblem(zone)).toBe('timezone must be an IANA time zone name such as "Europe/Berlin"');
    }
  });
});
