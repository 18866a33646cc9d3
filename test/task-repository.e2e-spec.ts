import pg from 'pg';
import { QueueConnections } from '../src/database/queue-connections.service.js';
import { TaskRepository } from '../src/tasks/persistence/task.repository.js';
import {
  claimSql,
  EXPIRE_WAITS_SQL,
  OUTCOMES_SQL,
  PROMOTE_DELAYED_SQL,
  REAP_EXPIRED_LEASES_SQL,
  RELEASE_SQL,
} from '../src/tasks/persistence/task-lease.sql.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

describe('TaskRepository (e2e)', () => {
  let database: TestDatabase;
  let app: TestApp;
  let sut: TaskRepository;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database);
    sut = new TaskRepository(app.db, app.app.get(QueueConnections));
    ({ key } = await app.createTeam());
  });

  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('should report nothing due on an empty queue, so an idle worker sleeps instead of spinning', async () => {
    expect(await sut.msUntilNextDue()).toBeNull();
  });

  it('should report the time until a delayed task, then zero once something is due', async () => {
    const delayUntil = new Date(Date.now() + 60_000).toISOString();
    await app
      .http()
      .post('/v1/tasks')
      .set(bearer(key))
      .send({ targetUrl: 'https://example.com', delayUntil })
      .expect(201);
    const wait = (await sut.msUntilNextDue()) as number;
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    await app.http().post('/v1/tasks').set(bearer(key)).send({ targetUrl: 'https://example.com' }).expect(201);
    expect(await sut.msUntilNextDue()).toBe(0);
  });

  // The embedded database has a single connection and no planner settings of its own.
  const onServer = testDatabaseKind() === 'postgres' ? describe : describe.skip;

  /**
   * `count` tasks of `teamId` in `status`, due one second apart in the past, written straight to
   * the table (this app runs no worker, so nothing calls their target).
   */
  const insertDueTasks = (teamId: string, status: 'pending' | 'delayed', count: number) =>
    app.db.query(
      `INSERT INTO tasks (id, team_id, status, target_url, method, headers, body, timeout_seconds,
         max_wait_seconds, max_retries, retry_backoff, priority, created_at, run_at)
       SELECT gen_random_uuid(), $1, $2, 'https://example.com', 'POST', '{}', '{}', 30, 30, 3,
         'exponential', 5, now(), now() - make_interval(secs => g)
       FROM generate_series(1, $3::int) g`,
      [teamId, status, count],
    );

  onServer('on a table PostgreSQL has no statistics for yet (a fresh burst of tasks)', () => {
    const planOf = async (run: (sql: string) => Promise<{ 'QUERY PLAN': string }[]>, sql: string) =>
      (await run(`EXPLAIN ${sql}`)).map((row) => row['QUERY PLAN']).join('\n');

    beforeAll(async () => {
      const [{ id: teamId }] = await app.db.query<{ id: string }[]>('SELECT id FROM teams LIMIT 1');
      await insertDueTasks(teamId, 'pending', 3000);
    });

    it('should claim in index order instead of sorting every runnable task', async () => {
      const connections = app.app.get(QueueConnections);
      const plan = await planOf(
        (sql) => connections.claim(sql, ['00000000-0000-0000-0000-000000000001', 15], 'test_explain_claim'),
        claimSql('t.id', 24),
      );
      expect(plan).toContain('Index Scan using ix_tasks_runnable');
      expect(plan).not.toMatch(/Sort|Seq Scan on tasks|Bitmap Heap Scan on tasks/);
    });

    it('should find the task of each outcome through the primary key instead of scanning the table', async () => {
      const connections = app.app.get(QueueConnections);
      const plan = await planOf((sql) => connections.writeOutcomes(sql, ['[]'], 'test_explain_outcomes'), OUTCOMES_SQL);
      expect(plan).toContain('Index Scan using tasks_pkey on tasks t');
      expect(plan).not.toMatch(/Seq Scan on tasks|Hash Join/);
    });
  });

  onServer('promoting delayed tasks that came due', () => {
    let teamId: string;
    const statusesOfTeam = async () =>
      Object.fromEntries(
        (
          await app.db.query<{ status: string; n: number }[]>(
            'SELECT status, count(*)::int AS n FROM tasks WHERE team_id = $1 GROUP BY status',
            [teamId],
          )
        ).map((row) => [row.status, row.n]),
      );

    beforeAll(async () => {
      ({ teamId } = await app.createTeam('promotions'));
      await insertDueTasks(teamId, 'delayed', 1205);
    });

    it('should promote at most 1,000 a statement, and leave rows a claim holds to the claim', async () => {
      const claimInProgress = app.db.createQueryRunner();
      await claimInProgress.connect();
      await claimInProgress.startTransaction();
      try {
        await claimInProgress.query(`SELECT id FROM tasks WHERE team_id = $1 ORDER BY run_at LIMIT 5 FOR UPDATE`, [
          teamId,
        ]);
        await sut.promoteDelayed();
        expect(await statusesOfTeam()).toEqual({ delayed: 205, pending: 1000 });
        await sut.promoteDelayed();
        expect(await statusesOfTeam()).toEqual({ delayed: 5, pending: 1200 });
      } finally {
        await claimInProgress.rollbackTransaction();
        await claimInProgress.release();
      }
      await sut.promoteDelayed();
      expect(await statusesOfTeam()).toEqual({ pending: 1205 });
    });
  });

  /**
   * `count` tasks of `teamId` at `priority`, due `dueInSeconds` from now (negative: due already),
   * one ms apart, in `queue` (gated when that queue holds tasks back). No worker runs here.
   */
  const insertTasksAtLevel = (
    teamId: string,
    priority: number,
    dueInSeconds: number,
    count: number,
    { queue = 'default', gated = false } = {},
  ) =>
    app.db.query(
      `INSERT INTO tasks (id, team_id, status, target_url, method, headers, body, timeout_seconds,
         max_wait_seconds, max_retries, retry_backoff, priority, created_at, run_at, queue, gated)
       SELECT gen_random_uuid(), $1, CASE WHEN $3 > 0 THEN 'delayed' ELSE 'pending' END, 'https://example.com',
         'POST', '{}', '{}', 30, 30, 3, 'exponential', $2, now(),
         now() + make_interval(secs => $3) + make_interval(secs => g / 1000.0), $5, $6
       FROM generate_series(1, $4::int) g`,
      [teamId, priority, dueInSeconds, count, queue, gated],
    );

  onServer('claiming across priority levels, with many tasks scheduled ahead', () => {
    let teamId: string;
    const insertTasks = (priority: number, dueInSeconds: number, count: number) =>
      insertTasksAtLevel(teamId, priority, dueInSeconds, count);
    const claimedPriorities = async (limit: number) => {
      const claimed = await sut.claim('00000000-0000-0000-0000-000000000003', limit);
      const rows = await app.db.query<{ priority: number }[]>(
        'SELECT priority FROM tasks WHERE id = ANY($1::uuid[]) ORDER BY priority DESC, run_at',
        [claimed.map((c) => c.task.id)],
      );
      return rows.map((row) => row.priority);
    };

    beforeAll(async () => {
      // Only this block's tasks are runnable from here on.
      await app.db.query(`UPDATE tasks SET status = 'cancelled', completed_at = now()
        WHERE status IN ('pending', 'delayed', 'polling')`);
      ({ teamId } = await app.createTeam('levels'));
      await insertTasks(9, 86_400, 3000);
      await insertTasks(5, -60, 3);
      await insertTasks(2, -60, 3);
      await insertTasks(7, 86_400, 10);
      await app.db.query('ANALYZE tasks');
    });

    it('should take each level from its first due task, highest first, and never a task scheduled ahead', async () => {
      await insertTasks(8, -1, 1);
      expect(await claimedPriorities(3)).toEqual([8, 5, 5]);
      expect(await claimedPriorities(10)).toEqual([5, 2, 2, 2]);
      expect(await claimedPriorities(10)).toEqual([]);
    });

    it('should read one level at a time through the index, with no sort and no scan of the table', async () => {
      const connections = app.app.get(QueueConnections);
      const plan = (
        await connections.claim<{ 'QUERY PLAN': string }>(
          `EXPLAIN ${claimSql('t.id', 24)}`,
          ['00000000-0000-0000-0000-000000000001', 15],
          'test_explain_levels',
        )
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan).toMatch(/Index Cond: \(\(priority = levels(_\d+)?\.priority\) AND \(run_at <= now\(\)\)\)/);
      expect(plan).not.toMatch(/Sort|Seq Scan on tasks|Bitmap Heap Scan on tasks/);
    });

    it('should find the delayed tasks to promote through their own index, never reading the tasks scheduled ahead', async () => {
      const plan = (await app.db.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${PROMOTE_DELAYED_SQL}`))
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      // How the rows found are then updated is the planner's choice for the table's size.
      expect(plan).toContain('Index Scan using ix_tasks_delayed_due on tasks');
    });

    it('should report the next due time from the earliest task of any level', async () => {
      await insertTasks(1, 30, 1);
      const wait = (await sut.msUntilNextDue()) as number;
      expect(wait).toBeGreaterThan(25_000);
      // insertTasks spaces tasks 1 ms apart from the first: it is due 30.001 s after its insert.
      expect(wait).toBeLessThanOrEqual(30_001);
    });
  });

  onServer('claiming a governed queue across priority levels, with many tasks scheduled ahead', () => {
    let teamId: string;
    const OWNER = '00000000-0000-0000-0000-000000000004';
    const insertGatedTasks = (priority: number, dueInSeconds: number, count: number) =>
      insertTasksAtLevel(teamId, priority, dueInSeconds, count, { queue: 'slow', gated: true });
    const claimedPriorities = async (limit: number) => {
      const claimed = await sut.claimGated(OWNER, limit, 100);
      return claimed.map((entry) => entry.task.priority).sort((a, b) => b - a);
    };
    /** The plans of the statements aq_claim_gated runs, as auto_explain reports them. */
    const plansInsideGatedClaim = async (): Promise<string[]> => {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const plans: string[] = [];
      client.on('notice', (notice) => plans.push(notice.message ?? ''));
      try {
        await client.query(`LOAD 'auto_explain'`);
        await client.query(`SET auto_explain.log_min_duration = 0`);
        await client.query(`SET auto_explain.log_nested_statements = on`);
        await client.query(`SET auto_explain.log_level = 'notice'`);
        await client.query('BEGIN');
        await client.query(`SELECT count(*) FROM aq_claim_gated($1, 30, 10, 100)`, [OWNER]);
        await client.query('ROLLBACK');
      } finally {
        await client.end();
      }
      return plans;
    };

    beforeAll(async () => {
      await app.db.query(`UPDATE tasks SET status = 'cancelled', completed_at = now()
        WHERE status IN ('pending', 'delayed', 'polling')`);
      let key: string;
      ({ teamId, key } = await app.createTeam('governed-levels'));
      await app.http().put('/v1/queues/slow').set(bearer(key)).send({ concurrency: 50 }).expect(200);
      await insertGatedTasks(9, 86_400, 3000);
      await insertGatedTasks(5, -60, 3);
      await insertGatedTasks(2, -60, 3);
      await app.db.query('ANALYZE tasks');
    });

    it('should take the highest due level first and never a task scheduled ahead', async () => {
      await insertGatedTasks(8, -1, 1);
      expect(await claimedPriorities(3)).toEqual([8, 5, 5]);
      expect(await claimedPriorities(10)).toEqual([5, 2, 2, 2]);
      expect(await claimedPriorities(10)).toEqual([]);
    });

    it('should look for due tasks and pick them one level at a time, not past the tasks scheduled ahead', async () => {
      await insertGatedTasks(5, -1, 2);
      const reads = (await plansInsideGatedClaim()).filter((plan) => plan.includes('ix_tasks_gated_runnable'));
      // The "anything due?" check and the pick.
      expect(reads).toHaveLength(2);
      for (const plan of reads) expect(plan).toMatch(/\(priority = levels(_\d+)?\.priority\) AND \(run_at <= /);
    });
  });

  onServer('handing back at shutdown', () => {
    it("should find the worker's tasks through the partial indexes of leased and polling tasks, not by reading every open task", async () => {
      const plan = (
        await app.db.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${RELEASE_SQL}`, [
          '00000000-0000-0000-0000-000000000005',
        ])
      )
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan).toContain('ix_tasks_processing_lease');
      expect(plan).not.toMatch(/Seq Scan on tasks|ix_tasks_queue_open/);
    });
  });

  onServer('statements of every tick', () => {
    it.each([
      ['promotion', PROMOTE_DELAYED_SQL],
      ['lease reaping', REAP_EXPIRED_LEASES_SQL],
      ['wait expiry', EXPIRE_WAITS_SQL],
    ])('should pick the %s rows once, whatever the plan, not once per row of the table', async (_name, sql) => {
      // As `id IN (subquery)`, a generic plan built on an empty table re-ran the subquery per row.
      const plan = (await app.db.query<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${sql}`))
        .map((row) => row['QUERY PLAN'])
        .join('\n');
      expect(plan).toContain('InitPlan');
      expect(plan).not.toContain('Semi Join');
    });
  });

  onServer('when the database closes its connections', () => {
    it('should survive, and claim again on a new connection', async () => {
      const store = sut;
      await store.claim('00000000-0000-0000-0000-000000000002', 1);
      await app.db.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      await expect(store.claim('00000000-0000-0000-0000-000000000002', 1)).resolves.toBeInstanceOf(Array);
    });
  });
});
