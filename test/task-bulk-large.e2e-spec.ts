import pg from 'pg';
import { BULK_CANCEL, bulkBatchSql } from '../src/tasks/persistence/task-bulk.sql.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';
import { testDatabaseKind } from './helpers/test-env.js';

const ROWS = 200_000;

/**
 * Bulk cancel and retry over 200,000 matching rows loaded by SQL (SPEC §9: millions of rows in
 * batches, no long locks). While the change runs, another connection keeps updating matching rows
 * the change has not reached yet: each must get its row lock at once, and it must see the change
 * committed part of the way (batches commit one by one).
 */
const onServer = testDatabaseKind() === 'postgres' ? describe : describe.skip;

onServer('Bulk cancel and retry on a large table (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let team: { teamId: string; key: string };
  let other: { teamId: string; key: string };
  let probe: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, { RATE_LIMIT_PER_MINUTE: '100000' });
    team = await sut.createTeam('big');
    other = await sut.createTeam('other');
    const load = (teamId: string, status: string, count: number) =>
      sut.db.query(
        `INSERT INTO tasks (id, team_id, status, queue, target_url, method, headers, timeout_seconds,
           max_wait_seconds, max_retries, retry_backoff, priority, created_at, run_at, completed_at)
         SELECT gen_random_uuid(), $1, $2, 'bulk', 'https://example.com/hook', 'POST', '{}', 30, 30, 3,
           'exponential', 5, now() - make_interval(secs => g / 1000.0), now() + interval '1 hour',
           CASE WHEN $2 = 'completed' THEN now() END
         FROM generate_series(1, $3::int) g`,
        [teamId, status, count],
      );
    await load(team.teamId, 'delayed', ROWS);
    await load(team.teamId, 'completed', 1_000);
    await load(other.teamId, 'delayed', 1_000);
    await sut.db.query('ANALYZE tasks');
    probe = new pg.Client({ connectionString: database.url });
    await probe.connect();
  }, 120_000);

  afterAll(async () => {
    await probe?.end();
    await sut.close();
    await database.drop();
  });

  const countOf = async (teamId: string, status: string) =>
    (
      await sut.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM tasks WHERE team_id = $1 AND status = $2', [
        teamId,
        status,
      ])
    )[0].n;

  /**
   * Runs the request while the probe, every 20 ms, updates the oldest row still in `status` (the
   * walk goes newest first, so it reaches that row last) and counts how far the change has come.
   */
  async function whileProbing(status: string, request: () => Promise<{ status: number; body: unknown }>) {
    let running = true;
    const waits: number[] = [];
    const progress: number[] = [];
    const probing = (async () => {
      while (running) {
        const started = performance.now();
        await probe.query(
          `UPDATE tasks SET priority = 6 WHERE id = (
             SELECT id FROM tasks WHERE team_id = $1 AND status = $2 ORDER BY created_at LIMIT 1)`,
          [team.teamId, status],
        );
        waits.push(performance.now() - started);
        const [{ n }] = (
          await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks WHERE team_id = $1 AND status = $2', [
            team.teamId,
            status,
          ])
        ).rows;
        progress.push(n);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const started = performance.now();
    const response = await request();
    const took = performance.now() - started;
    running = false;
    await probing;
    return { response, took, waits, progress };
  }

  it('should walk the team’s rows through a creation-ordered index, newest first, without sorting them', async () => {
    const explained = await probe.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${bulkBatchSql(BULK_CANCEL, false)}`, [
      team.teamId,
      'delayed',
      '-infinity',
      new Date().toISOString(),
      null,
      new Date(),
      new Date().toISOString(),
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
    ]);
    const plan = explained.rows.map((row) => row['QUERY PLAN']).join('\n');
    // Either of the team's creation-ordered indexes, by the keyset position (ROW(created_at, id) < ...).
    expect(plan).toMatch(/Index Scan using ix_tasks_team_(status_)?created on tasks\s+\(.*\n.*ROW\(created_at, id\) </);
    expect(plan).not.toMatch(/Seq Scan on tasks|Bitmap Heap Scan on tasks/);
    // The only sort is of the batch's own 1,000 rows (to find where it ended).
    for (const sortKey of plan.match(/Sort Key: .*/g) ?? []) expect(sortKey).toMatch(/picked/);
  });

  it('should cancel 200,000 tasks in batches while other writers wait no longer than a batch', async () => {
    const { response, took, waits, progress } = await whileProbing('delayed', () =>
      sut
        .http()
        .post('/v1/tasks/cancel')
        .set(bearer(team.key))
        .send({ filter: { queue: 'bulk' } }),
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ matched: ROWS, cancelled: ROWS });
    expect(await countOf(team.teamId, 'cancelled')).toBe(ROWS);
    expect(await countOf(team.teamId, 'completed')).toBe(1_000);
    expect(await countOf(other.teamId, 'delayed')).toBe(1_000);
    // The change committed part by part: the probe saw it between its start and its end.
    expect(progress.some((left) => left > 0 && left < ROWS)).toBe(true);
    expect(waits.length).toBeGreaterThan(5);
    expect(Math.max(...waits)).toBeLessThan(Math.max(1_000, took / 10));
  }, 300_000);

  it('should retry 200,000 failed tasks the same way, keeping their attempt counts', async () => {
    await sut.db.query(
      `UPDATE tasks SET status = 'failed', attempt_count = 4, error = 'Server error: HTTP 500 - Internal Server Error'
       WHERE team_id = $1 AND status = 'cancelled'`,
      [team.teamId],
    );
    const dry = await sut
      .http()
      .post('/v1/tasks/retry')
      .set(bearer(team.key))
      .send({ filter: { status: ['failed'] }, dryRun: true });
    expect(dry.body).toEqual({ matched: ROWS, retried: 0 });
    const { response, waits, progress, took } = await whileProbing('failed', () =>
      sut
        .http()
        .post('/v1/tasks/retry')
        .set(bearer(team.key))
        .send({ filter: { status: ['failed'] } }),
    );
    expect(response.body).toEqual({ matched: ROWS, retried: ROWS });
    const [row] = await sut.db.query<{ n: number; attempts: number; errors: number }[]>(
      `SELECT count(*)::int AS n, min(attempt_count) AS attempts, count(error)::int AS errors
       FROM tasks WHERE team_id = $1 AND status = 'pending'`,
      [team.teamId],
    );
    expect(row).toEqual({ n: ROWS, attempts: 4, errors: 0 });
    expect(progress.some((left) => left > 0 && left < ROWS)).toBe(true);
    expect(Math.max(...waits)).toBeLessThan(Math.max(1_000, took / 10));
  }, 300_000);
});
