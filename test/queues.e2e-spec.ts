import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

/** /v1/queues and the queue of tasks (SPEC §9) with the worker off: shapes, rules, team isolation. */
describe('Queues (e2e)', () => {
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

  const put = (key: string, name: string, body: unknown) =>
    sut
      .http()
      .put(`/v1/queues/${name}`)
      .set(bearer(key))
      .send(body as object);
  const get = (key: string, path: string) => sut.http().get(path).set(bearer(key));
  const createTask = (key: string, body: object) =>
    sut
      .http()
      .post('/v1/tasks')
      .set(bearer(key))
      .send({ targetUrl: target, ...body });

  it('should put tasks in the default queue and show queue and throttledCount on them', async () => {
    const created = await createTask(teamA.key, {});
    expect(created.status).toBe(201);
    expect(created.body.task).toMatchObject({ queue: 'default', throttledCount: 0 });
    const listed = await get(teamA.key, '/v1/queues');
    expect(listed.status).toBe(200);
    expect(listed.body.queues.map((queue: { name: string }) => queue.name)).toContain('default');
  });

  it('should create a queue by naming it on a task, with the SPEC shape and counts', async () => {
    await createTask(teamA.key, { queue: 'openai' });
    await createTask(teamA.key, { queue: 'openai', delayUntil: new Date(Date.now() + 3_600_000).toISOString() });
    const response = await get(teamA.key, '/v1/queues/openai');
    expect(response.status).toBe(200);
    expect(response.body.queue).toEqual({
      name: 'openai',
      paused: false,
      concurrency: null,
      rateLimit: null,
      cooldownUntil: null,
      counts: { pending: 1, delayed: 1, processing: 0, waiting: 0, polling: 0 },
      oldestDueAgeMs: expect.any(Number),
      createdAt: expect.stringMatching(/Z$/),
    });
    const tasks = await get(teamA.key, '/v1/tasks?queue=openai');
    expect(tasks.body.tasks).toHaveLength(2);
    expect(tasks.body.tasks.every((task: { queue: string }) => task.queue === 'openai')).toBe(true);
  });

  it('should set, keep and clear settings with PUT, and pause and resume', async () => {
    const created = await put(teamA.key, 'fal', { concurrency: 8, rateLimit: { limit: 50, period: 1 } });
    expect(created.status).toBe(200);
    expect(created.body.queue).toMatchObject({
      name: 'fal',
      paused: false,
      concurrency: 8,
      rateLimit: { limit: 50, period: 1 },
    });
    const kept = await put(teamA.key, 'fal', { paused: true });
    expect(kept.body.queue).toMatchObject({ paused: true, concurrency: 8, rateLimit: { limit: 50, period: 1 } });
    const cleared = await put(teamA.key, 'fal', { concurrency: null, rateLimit: null });
    expect(cleared.body.queue).toMatchObject({ paused: true, concurrency: null, rateLimit: null });
    // paused has nothing to clear: null leaves it as it is, as leaving it out does.
    const nullPaused = await put(teamA.key, 'fal', { paused: null, concurrency: 3 });
    expect(nullPaused.status).toBe(200);
    expect(nullPaused.body.queue).toMatchObject({ paused: true, concurrency: 3 });
    const resumed = await sut.http().post('/v1/queues/fal/resume').set(bearer(teamA.key));
    expect(resumed.status).toBe(200);
    expect(resumed.body.queue.paused).toBe(false);
    const paused = await sut.http().post('/v1/queues/fal/pause').set(bearer(teamA.key));
    expect(paused.body.queue.paused).toBe(true);
  });

  it('should hold the open tasks of a queue that is paused or governed out of the ungoverned claim', async () => {
    const task = await createTask(teamA.key, { queue: 'gate' });
    const gated = async () =>
      (await sut.db.query<{ gated: boolean }[]>(`SELECT gated FROM tasks WHERE id = $1`, [task.body.task.id]))[0].gated;
    expect(await gated()).toBe(false);
    await put(teamA.key, 'gate', { paused: true });
    expect(await gated()).toBe(true);
    await put(teamA.key, 'gate', { paused: false, concurrency: 2 });
    expect(await gated()).toBe(true);
    await put(teamA.key, 'gate', { concurrency: null });
    expect(await gated()).toBe(false);
    // A task created in a governed queue is held from the start.
    await put(teamA.key, 'gate', { rateLimit: { limit: 1, period: 60 } });
    const later = await createTask(teamA.key, { queue: 'gate' });
    const [row] = await sut.db.query<{ gated: boolean }[]>(`SELECT gated FROM tasks WHERE id = $1`, [
      later.body.task.id,
    ]);
    expect(row.gated).toBe(true);
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency must be between 1 and 10000'],
    [{ concurrency: 10001 }, 'concurrency must be between 1 and 10000'],
    [{ concurrency: 1.5 }, 'concurrency must be an integer'],
    [{ rateLimit: { limit: 0, period: 1 } }, 'rateLimit.limit must be between 1 and 100000'],
    [{ rateLimit: { limit: 10, period: 3601 } }, 'rateLimit.period must be between 1 and 3600'],
    [{ rateLimit: { limit: 10 } }, 'rateLimit.period is required'],
    [{ rateLimit: 5 }, 'rateLimit must be an object with limit and period, or null'],
    [{ paused: 'yes' }, 'paused must be a boolean'],
  ])('should refuse PUT %j with 400 and change nothing', async (body, message) => {
    const response = await put(teamA.key, 'strict', body);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: message });
    expect((await get(teamA.key, '/v1/queues/strict')).status).toBe(404);
  });

  it('should refuse a bad queue name on tasks and queues', async () => {
    const task = await createTask(teamA.key, { queue: 'Bad Name' });
    expect(task.status).toBe(400);
    expect(task.body.error).toBe(
      'queue must be 1 to 64 lowercase letters, digits, "_" or "-", starting with a letter or digit',
    );
    expect((await createTask(teamA.key, { queue: 'a'.repeat(65) })).status).toBe(400);
    expect((await put(teamA.key, '-dash', {})).status).toBe(400);
    expect((await get(teamA.key, '/v1/tasks?queue=UP')).status).toBe(400);
  });

  it('should answer 404 Queue not found for unknown queues and for another team’s', async () => {
    await put(teamB.key, 'secret-b', { concurrency: 1 });
    for (const path of ['/v1/queues/nope', '/v1/queues/secret-b']) {
      const response = await get(teamA.key, path);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: 'Queue not found' });
    }
    expect((await sut.http().post('/v1/queues/secret-b/pause').set(bearer(teamA.key))).status).toBe(404);
    const listed = await get(teamA.key, '/v1/queues');
    expect(listed.body.queues.map((queue: { name: string }) => queue.name)).not.toContain('secret-b');
    // Team A's queue of the same name is its own: B's settings do not apply to it.
    await createTask(teamA.key, { queue: 'secret-b' });
    expect((await get(teamA.key, '/v1/queues/secret-b')).body.queue.concurrency).toBeNull();
    expect((await get(teamB.key, '/v1/queues/secret-b')).body.queue.concurrency).toBe(1);
  });
  it('should retry a task into its queue as the queue is now, with a fresh allowance of throttled answers', async () => {
    const id = (await createTask(teamA.key, { queue: 'later-paused' })).body.task.id as string;
    await sut.db.query(
      `UPDATE tasks SET status = 'failed', completed_at = now(), throttled_count = 3, gated = false WHERE id = $1`,
      [id],
    );
    expect((await put(teamA.key, 'later-paused', { paused: true })).status).toBe(200);
    const retried = await sut.http().post(`/v1/tasks/${id}/retry`).set(bearer(teamA.key)).send();
    expect(retried.status).toBe(200);
    expect(retried.body.task).toMatchObject({ status: 'pending', retryCount: 0, throttledCount: 0 });
    const [row] = await sut.db.query<{ gated: boolean }[]>('SELECT gated FROM tasks WHERE id = $1', [id]);
    expect(row.gated).toBe(true);
  });
});
