import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

/** POST /v1/tasks/cancel and /v1/tasks/retry by filter (SPEC §9), with the worker off. */
describe('Bulk cancel and retry (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let teamA: { teamId: string; key: string };
  let teamB: { teamId: string; key: string };
  // A target no test process ever calls: the worker is off.
  const target = 'https://example.com/hook';

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, { RATE_LIMIT_PER_MINUTE: '100000' });
    teamA = await sut.createTeam('a');
    teamB = await sut.createTeam('b');
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  const bulk = (key: string, action: 'cancel' | 'retry', body: unknown) =>
    sut
      .http()
      .post(`/v1/tasks/${action}`)
      .set(bearer(key))
      .send(body as object);
  const createTask = async (key: string, body: object = {}): Promise<string> => {
    const response = await sut
      .http()
      .post('/v1/tasks')
      .set(bearer(key))
      .send({ targetUrl: target, ...body })
      .expect(201);
    return response.body.task.id as string;
  };
  const statusOf = async (id: string): Promise<string> =>
    (await sut.db.query<{ status: string }[]>('SELECT status FROM tasks WHERE id = $1', [id]))[0].status;
  const statusesOf = (ids: string[]) => Promise.all(ids.map(statusOf));
  /** Ends a task as a worker would have, with `attempts` calls on record. */
  const endAs = async (id: string, status: 'failed' | 'timeout' | 'completed', attempts = 2) => {
    await sut.db.query(
      `UPDATE tasks SET status = $2, attempt_count = $3, retry_count = $3 - 1, throttled_count = 4,
         error = 'Server error: HTTP 500 - Internal Server Error', started_at = now(), completed_at = now()
       WHERE id = $1`,
      [id, status, attempts],
    );
    await sut.db.query(
      `INSERT INTO task_attempts (task_id, number, started_at, duration_ms, status_code, error)
       SELECT $1, n, now(), 5, 500, 'Server error: HTTP 500 - Internal Server Error' FROM generate_series(1, $2::int) n`,
      [id, attempts],
    );
  };
  const later = () => new Date(Date.now() + 3_600_000).toISOString();

  it('should cancel the pending and delayed tasks of a queue, skip the others, and queue their webhooks', async () => {
    const pending = [
      await createTask(teamA.key, { queue: 'shapes' }),
      await createTask(teamA.key, { queue: 'shapes' }),
    ];
    const delayed = await createTask(teamA.key, { queue: 'shapes', delayUntil: later() });
    const notified = await createTask(teamA.key, { queue: 'shapes', onCompleteUrl: 'https://example.com/done' });
    const failed = await createTask(teamA.key, { queue: 'shapes' });
    await endAs(failed, 'failed');
    const elsewhere = await createTask(teamA.key, { queue: 'other' });

    const response = await bulk(teamA.key, 'cancel', { filter: { queue: 'shapes' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ matched: 4, cancelled: 4 });
    expect(await statusesOf([...pending, delayed, notified])).toEqual(Array(4).fill('cancelled'));
    expect(await statusOf(failed)).toBe('failed');
    expect(await statusOf(elsewhere)).toBe('pending');
    const task = await sut.http().get(`/v1/tasks/${pending[0]}`).set(bearer(teamA.key)).expect(200);
    expect(task.body.task.completedAt).toEqual(expect.stringMatching(/Z$/));
    const [hook] = await sut.db.query<{ on_complete_state: string }[]>(
      'SELECT on_complete_state FROM tasks WHERE id = $1',
      [notified],
    );
    expect(hook.on_complete_state).toBe('pending');
    // Done once, nothing is left to take.
    expect((await bulk(teamA.key, 'cancel', { filter: { queue: 'shapes' } })).body).toEqual({
      matched: 0,
      cancelled: 0,
    });
  });

  it('should count without changing anything on a dryRun', async () => {
    const ids = [await createTask(teamA.key, { queue: 'dry' }), await createTask(teamA.key, { queue: 'dry' })];
    await endAs(ids[1], 'timeout');
    expect((await bulk(teamA.key, 'cancel', { filter: { queue: 'dry' }, dryRun: true })).body).toEqual({
      matched: 1,
      cancelled: 0,
    });
    expect((await bulk(teamA.key, 'retry', { filter: { queue: 'dry' }, dryRun: true })).body).toEqual({
      matched: 1,
      retried: 0,
    });
    expect(await statusesOf(ids)).toEqual(['pending', 'timeout']);
  });

  it('should take only the statuses named by filter.status, and only those the change can take', async () => {
    const pending = await createTask(teamA.key, { queue: 'bystatus' });
    const delayed = await createTask(teamA.key, { queue: 'bystatus', delayUntil: later() });
    const onlyDelayed = await bulk(teamA.key, 'cancel', {
      filter: { queue: 'bystatus', status: ['delayed', 'completed'] },
    });
    expect(onlyDelayed.body).toEqual({ matched: 1, cancelled: 1 });
    expect(await statusesOf([pending, delayed])).toEqual(['pending', 'cancelled']);
    const none = await bulk(teamA.key, 'cancel', {
      filter: { queue: 'bystatus', status: ['processing', 'completed'] },
    });
    expect(none.body).toEqual({ matched: 0, cancelled: 0 });
    expect(await statusOf(pending)).toBe('pending');
  });

  it('should retry failed and timed-out tasks, keeping their attempts so numbering continues', async () => {
    const failed = await createTask(teamA.key, { queue: 'again', maxRetries: 1 });
    const timedOut = await createTask(teamA.key, { queue: 'again' });
    const completed = await createTask(teamA.key, { queue: 'again' });
    const pending = await createTask(teamA.key, { queue: 'again' });
    await endAs(failed, 'failed', 2);
    await endAs(timedOut, 'timeout', 1);
    await endAs(completed, 'completed', 1);

    const response = await bulk(teamA.key, 'retry', { filter: { queue: 'again' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ matched: 2, retried: 2 });
    expect(await statusesOf([failed, timedOut, completed, pending])).toEqual([
      'pending',
      'pending',
      'completed',
      'pending',
    ]);
    const { body } = await sut.http().get(`/v1/tasks/${failed}`).set(bearer(teamA.key)).expect(200);
    expect(body.task).toMatchObject({
      status: 'pending',
      retryCount: 0,
      throttledCount: 0,
      error: null,
      completedAt: null,
    });
    const attempts = await sut.http().get(`/v1/tasks/${failed}/attempts`).set(bearer(teamA.key)).expect(200);
    expect(attempts.body.attempts.map((attempt: { number: number }) => attempt.number)).toEqual([1, 2]);
    const [row] = await sut.db.query<{ attempt_count: number; gated: boolean }[]>(
      'SELECT attempt_count, gated FROM tasks WHERE id = $1',
      [failed],
    );
    // The next claim makes attempt 3.
    expect(row).toEqual({ attempt_count: 2, gated: false });
  });

  it('should hold a retried task of a governed queue for the gated claim', async () => {
    const id = await createTask(teamA.key, { queue: 'governed' });
    await endAs(id, 'failed');
    await sut.http().put('/v1/queues/governed').set(bearer(teamA.key)).send({ concurrency: 2 }).expect(200);
    expect((await bulk(teamA.key, 'retry', { filter: { ids: [id] } })).body).toEqual({ matched: 1, retried: 1 });
    const [row] = await sut.db.query<{ gated: boolean }[]>('SELECT gated FROM tasks WHERE id = $1', [id]);
    expect(row.gated).toBe(true);
  });

  it('should take tasks by ids and by creation time, every condition together', async () => {
    const first = await createTask(teamA.key, { queue: 'times' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const middle = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await createTask(teamA.key, { queue: 'times' });
    const third = await createTask(teamA.key, { queue: 'times' });

    const before = await bulk(teamA.key, 'cancel', { filter: { queue: 'times', createdBefore: middle } });
    expect(before.body).toEqual({ matched: 1, cancelled: 1 });
    expect(await statusesOf([first, second, third])).toEqual(['cancelled', 'pending', 'pending']);
    const byIds = await bulk(teamA.key, 'cancel', {
      filter: { ids: [first, second, '0190a000-0000-7000-8000-000000000000'], createdAfter: middle },
    });
    expect(byIds.body).toEqual({ matched: 1, cancelled: 1 });
    expect(await statusesOf([first, second, third])).toEqual(['cancelled', 'cancelled', 'pending']);
  });

  it("should never see or change another team's tasks", async () => {
    const mine = await createTask(teamA.key, { queue: 'shared-name' });
    const theirs = await createTask(teamB.key, { queue: 'shared-name' });
    await endAs(theirs, 'failed');
    const byQueue = await bulk(teamA.key, 'cancel', { filter: { queue: 'shared-name' } });
    expect(byQueue.body).toEqual({ matched: 1, cancelled: 1 });
    const byIds = await bulk(teamA.key, 'retry', { filter: { ids: [theirs] } });
    expect(byIds.body).toEqual({ matched: 0, retried: 0 });
    expect(await statusesOf([mine, theirs])).toEqual(['cancelled', 'failed']);
  });

  it('should refuse more than 1,000 ids', async () => {
    const ids = Array.from({ length: 1001 }, () => '0190a000-0000-7000-8000-000000000000');
    const response = await bulk(teamA.key, 'cancel', { filter: { ids } });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: 'filter.ids must hold between 1 and 1000 task ids' });
  });

  it('should refuse a request without a key, 401', async () => {
    await sut
      .http()
      .post('/v1/tasks/cancel')
      .send({ filter: { queue: 'x' } })
      .expect(401);
  });

  it.each([
    [{}, 'filter must name at least one condition'],
    [{ filter: {} }, 'filter must name at least one condition'],
    [{ filter: {}, dryRun: true }, 'filter must name at least one condition'],
    [{ filter: { queue: 'untouched' }, extra: 1 }, 'property extra should not exist'],
    [{ filter: { queue: 'untouched', owner: 'x' } }, 'property owner should not exist'],
    [{ filter: 'untouched' }, 'filter must be an object'],
    [{ filter: { status: 'pending' } }, 'filter.status must be a non-empty array of task statuses'],
    [{ filter: { status: [] } }, 'filter.status must be a non-empty array of task statuses'],
    [
      { filter: { status: ['pending', 'done'] } },
      'filter.status[1] must be one of pending, delayed, processing, waiting, polling, completed, failed, timeout, cancelled',
    ],
    [
      { filter: { queue: 'Bad Name' } },
      'filter.queue must be 1 to 64 lowercase letters, digits, "_" or "-", starting with a letter or digit',
    ],
    [{ filter: { createdAfter: 'yesterday' } }, 'filter.createdAfter must be an ISO 8601 date-time'],
    [{ filter: { createdBefore: '2026-W01' } }, 'filter.createdBefore must be an ISO 8601 date-time'],
    [
      { filter: { createdAfter: '2026-01-02T00:00:00Z', createdBefore: '2026-01-01T00:00:00Z' } },
      'filter.createdAfter must be before filter.createdBefore',
    ],
    [{ filter: { ids: [] } }, 'filter.ids must hold between 1 and 1000 task ids'],
    [{ filter: { ids: 'abc' } }, 'filter.ids must hold between 1 and 1000 task ids'],
    [{ filter: { ids: ['0190a000-0000-7000-8000-000000000000', 'nope'] } }, 'filter.ids[1] must be a task id (a UUID)'],
    [{ filter: { queue: 'untouched' }, dryRun: 'yes' }, 'dryRun must be a boolean'],
  ])('should refuse %j with 400 naming the problem, and change nothing', async (body, message) => {
    const id = await createTask(teamA.key, { queue: 'untouched' });
    for (const action of ['cancel', 'retry'] as const) {
      const response = await bulk(teamA.key, action, body);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: message });
    }
    expect(await statusOf(id)).toBe('pending');
  });
});
