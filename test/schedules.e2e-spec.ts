import { ScheduleFirer } from '../src/schedules/schedule-firer.service.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CANARY = 'canary-vault-secret-9f3b';
const HOUR = 3_600_000;

/**
 * /v1/schedules (SPEC §10) with the worker off: no loop fires on its own and no target is called.
 * Firing is driven through ScheduleFirer with a chosen "now".
 */
describe('Schedules (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let teamA: { teamId: string; key: string };
  let teamB: { teamId: string; key: string };
  let tokenId: string;
  let otherTeamTokenId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, { RATE_LIMIT_PER_MINUTE: '100000' });
    teamA = await sut.createTeam('a');
    teamB = await sut.createTeam('b');
    tokenId = await newToken(teamA.key);
    otherTeamTokenId = await newToken(teamB.key);
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  async function newToken(key: string, extra: object = {}): Promise<string> {
    const response = await sut
      .http()
      .post('/v1/tokens')
      .set(bearer(key))
      .send({ name: 'k', value: CANARY, ...extra })
      .expect(201);
    return response.body.token.id as string;
  }

  const api = (key = teamA.key) => ({
    post: (path: string, body?: object) => sut.http().post(path).set(bearer(key)).send(body),
    get: (path: string) => sut.http().get(path).set(bearer(key)),
    patch: (path: string, body: object) => sut.http().patch(path).set(bearer(key)).send(body),
    put: (path: string, body: object) => sut.http().put(path).set(bearer(key)).send(body),
    delete: (path: string) => sut.http().delete(path).set(bearer(key)),
  });
  const task = { targetUrl: 'https://example.com/hook' };
  const create = (body: object, key = teamA.key) => api(key).post('/v1/schedules', body);
  const countSchedules = async () =>
    (await sut.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM schedules'))[0].n;

  describe('POST /v1/schedules', () => {
    it('should create a schedule with its next due time and the task body with its defaults', async () => {
      const before = Date.now();
      const response = await create({ cron: '*/5 * * * *', task }).expect(201);
      expect(Object.keys(response.body)).toEqual(['schedule']);
      const { schedule } = response.body;
      expect(Object.keys(schedule).sort()).toEqual(
        ['id', 'cron', 'timezone', 'task', 'paused', 'nextRunAt', 'lastRunAt', 'createdAt'].sort(),
      );
      expect(schedule).toMatchObject({
        id: expect.stringMatching(UUID_V7),
        cron: '*/5 * * * *',
        timezone: 'UTC',
        paused: false,
        lastRunAt: null,
        task: {
          targetUrl: 'https://example.com/hook',
          method: 'POST',
          headers: {},
          timeout: 30,
          maxWaitTime: 30,
          maxRetries: 3,
          retryBackoff: 'exponential',
          priority: 5,
          waitForSignal: false,
        },
      });
      const next = Date.parse(schedule.nextRunAt);
      expect(next).toBeGreaterThan(before);
      expect(next).toBeLessThanOrEqual(before + 5 * 60_000);
      expect(next % (5 * 60_000)).toBe(0);
      expect(schedule.createdAt).toMatch(/\.\d{3}Z$/);
    });

    it('should read the cron in the given IANA time zone, spelled as the zone spells itself', async () => {
      const { schedule } = (await create({ cron: '0 9 * * *', timezone: 'europe/berlin', task }).expect(201)).body;
      expect(schedule.timezone).toBe('Europe/Berlin');
      const next = new Date(schedule.nextRunAt);
      const berlinHour = Number(
        new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hour12: false }).format(next),
      );
      expect([berlinHour, next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([9, 0, 0]);
    });

    it('should take 6 fields with seconds first, and a schedule created paused has no next run', async () => {
      const { schedule } = (await create({ cron: '*/10 * * * * *', task }).expect(201)).body;
      expect(new Date(schedule.nextRunAt).getUTCSeconds() % 10).toBe(0);
      expect(Date.parse(schedule.nextRunAt) - Date.now()).toBeLessThanOrEqual(10_000);
      const paused = (await create({ cron: '*/10 * * * * *', task, paused: true }).expect(201)).body.schedule;
      expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    });

    it('should keep vault references as references and check them as for a task', async () => {
      const { schedule } = (
        await create({ cron: '0 * * * *', task: { ...task, headers: { Authorization: tokenId } } }).expect(201)
      ).body;
      expect(schedule.task.headers).toEqual({ Authorization: tokenId });
      expect(JSON.stringify(schedule)).not.toContain(CANARY);
    });

    it.each([
      [{ task }, 'cron is required'],
      [{ cron: 5, task }, 'cron must be a string'],
      [
        { cron: '* * *', task },
        'cron must have 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got 3',
      ],
      [{ cron: '61 * * * *', task }, 'cron is invalid: Invalid value for minute: 61'],
      [{ cron: '0 0 30 2 *', task }, 'cron never matches a future time'],
      [
        { cron: '* * * * *', timezone: 'Mars/Olympus', task },
        'timezone must be an IANA time zone name such as "Europe/Berlin"',
      ],
      [{ cron: '* * * * *' }, 'task is required'],
      [{ cron: '* * * * *', task: 'https://example.com' }, 'task must be an object'],
      [{ cron: '* * * * *', task: [task] }, 'task must be an object'],
      [{ cron: '* * * * *', task, paused: 'yes' }, 'paused must be a boolean'],
      [{ cron: '* * * * *', task, every: 5 }, 'property every should not exist'],
      [{ cron: '* * * * *', task: {} }, 'task: targetUrl is required'],
      [{ cron: '* * * * *', task: { ...task, priority: 11 } }, 'task: priority must be between 1 and 10'],
      [{ cron: '* * * * *', task: { ...task, nope: 1 } }, 'task: property nope should not exist'],
      [
        { cron: '* * * * *', task: { ...task, delayUntil: '2999-01-01T00:00:00Z' } },
        'task: property delayUntil should not exist',
      ],
      [
        { cron: '* * * * *', task: { ...task, waitForSignal: true } },
        'task: waitForSignal cannot be used in a schedule; use {asyncqueue_callback_url} to wait for a callback',
      ],
      [
        { cron: '* * * * *', task: { targetUrl: 'http://10.0.0.1/x' } },
        'task: targetUrl points to a non-public address (10.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { cron: '* * * * *', task: { ...task, headers: { Authorization: 'tok_01jrx7m2k4q8c9d0e1f2g3h4j5' } } },
        'task: Header "Authorization" references unknown vault token "tok_01jrx7m2k4q8c9d0e1f2g3h4j5"',
      ],
    ])('should refuse %j: %s, and create nothing', async (body, error) => {
      const before = await countSchedules();
      expect((await create(body).expect(400)).body).toEqual({ error });
      expect(await countSchedules()).toBe(before);
    });

    it('should refuse another team’s vault token and a host the token is not bound to', async () => {
      const refused = await create({ cron: '* * * * *', task: { ...task, headers: { 'X-Key': otherTeamTokenId } } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toBe(`task: Header "X-Key" references unknown vault token "${otherTeamTokenId}"`);
      const bound = await newToken(teamA.key, { allowedHosts: ['api.example.org'] });
      const elsewhere = await create({ cron: '* * * * *', task: { ...task, headers: { Authorization: bound } } });
      expect(elsewhere.body).toEqual({ error: `task: Vault token "${bound}" may not be sent to host "example.com"` });
    });
  });

  describe('reading, changing and deleting', () => {
    let id: string;

    beforeEach(async () => {
      id = (await create({ cron: '0 * * * *', task }).expect(201)).body.schedule.id;
    });

    it('should list the team’s schedules oldest first, and none of another team’s', async () => {
      const other = (await create({ cron: '0 * * * *', task }, teamB.key).expect(201)).body.schedule.id;
      const { schedules } = (await api().get('/v1/schedules').expect(200)).body;
      expect(schedules.map((s: { id: string }) => s.id)).toContain(id);
      expect(schedules.map((s: { id: string }) => s.id)).not.toContain(other);
      const created = schedules.map((s: { createdAt: string }) => s.createdAt);
      expect(created).toEqual([...created].sort());
      expect((await api().get(`/v1/schedules/${id}`).expect(200)).body.schedule.id).toBe(id);
    });

    it('should answer 404 for another team’s schedule on every route, and change nothing', async () => {
      const b = api(teamB.key);
      const notFound = { error: 'Schedule not found' };
      expect((await b.get(`/v1/schedules/${id}`).expect(404)).body).toEqual(notFound);
      expect((await b.patch(`/v1/schedules/${id}`, { paused: true }).expect(404)).body).toEqual(notFound);
      expect((await b.post(`/v1/schedules/${id}/pause`).expect(404)).body).toEqual(notFound);
      expect((await b.post(`/v1/schedules/${id}/resume`).expect(404)).body).toEqual(notFound);
      expect((await b.delete(`/v1/schedules/${id}`).expect(404)).body).toEqual(notFound);
      expect((await api().get(`/v1/schedules/${id}`).expect(200)).body.schedule.paused).toBe(false);
      expect((await api().get('/v1/schedules/not-a-uuid').expect(404)).body).toEqual(notFound);
    });

    it('should change the cron and time zone and compute the next due time again', async () => {
      const { schedule } = (
        await api().patch(`/v1/schedules/${id}`, { cron: '30 6 * * *', timezone: 'America/New_York' }).expect(200)
      ).body;
      expect(schedule).toMatchObject({ cron: '30 6 * * *', timezone: 'America/New_York', paused: false });
      const hour = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        hour: 'numeric',
        minute: 'numeric',
        hour12: false,
      }).format(new Date(schedule.nextRunAt));
      expect(hour).toBe('06:30');
    });

    it('should replace the task whole, checked as on creation', async () => {
      const refused = await api()
        .patch(`/v1/schedules/${id}`, { task: { ...task, priority: 0 } })
        .expect(400);
      expect(refused.body).toEqual({ error: 'task: priority must be between 1 and 10' });
      const { schedule } = (
        await api()
          .patch(`/v1/schedules/${id}`, { task: { targetUrl: 'https://example.com/other', method: 'GET' } })
          .expect(200)
      ).body;
      expect(schedule.task).toMatchObject({ targetUrl: 'https://example.com/other', method: 'GET', priority: 5 });
      expect((await api().patch(`/v1/schedules/${id}`, { cron: 'nope' }).expect(400)).body.error).toMatch(/^cron /);
      expect((await api().patch(`/v1/schedules/${id}`, { when: 1 }).expect(400)).body).toEqual({
        error: 'property when should not exist',
      });
    });

    it('should pause (no next run) and resume (next run from now), by route or by PATCH', async () => {
      const paused = (await api().post(`/v1/schedules/${id}/pause`).expect(200)).body.schedule;
      expect(paused).toMatchObject({ paused: true, nextRunAt: null });
      const resumed = (await api().post(`/v1/schedules/${id}/resume`).expect(200)).body.schedule;
      expect(resumed.paused).toBe(false);
      expect(Date.parse(resumed.nextRunAt)).toBeGreaterThan(Date.now());
      const patched = (await api().patch(`/v1/schedules/${id}`, { paused: true }).expect(200)).body.schedule;
      expect(patched).toMatchObject({ paused: true, nextRunAt: null });
      expect((await api().patch(`/v1/schedules/${id}`, {}).expect(200)).body.schedule).toEqual(patched);
    });

    it('should delete the schedule and answer it', async () => {
      const deleted = (await api().delete(`/v1/schedules/${id}`).expect(200)).body.schedule;
      expect(deleted.id).toBe(id);
      await api().get(`/v1/schedules/${id}`).expect(404);
      await api().delete(`/v1/schedules/${id}`).expect(404);
    });

    it('should let tasks:read read schedules but not write them', async () => {
      const client = await api()
        .post('/v1/oauth/clients', { name: 'reader', scopes: ['tasks:read'] })
        .expect(201);
      const token = await sut
        .http()
        .post('/oauth/token')
        .auth(client.body.client.id, client.body.clientSecret)
        .type('form')
        .send({ grant_type: 'client_credentials' })
        .expect(200);
      const reader = api(token.body.access_token);
      await reader.get('/v1/schedules').expect(200);
      await reader.get(`/v1/schedules/${id}`).expect(200);
      const refused = await reader.post('/v1/schedules', { cron: '* * * * *', task }).expect(403);
      expect(refused.body).toEqual({ error: 'Insufficient scope: requires tasks:write' });
      await reader.patch(`/v1/schedules/${id}`, { paused: true }).expect(403);
      await reader.post(`/v1/schedules/${id}/pause`).expect(403);
      await reader.delete(`/v1/schedules/${id}`).expect(403);
    });
  });

  describe('firing', () => {
    let firer: ScheduleFirer;

    beforeAll(() => {
      firer = sut.app.get(ScheduleFirer);
    });

    beforeEach(async () => {
      await sut.db.query('DELETE FROM schedules');
    });

    const hourly = async (body: object = {}) =>
      (
        await create({
          cron: '0 * * * *',
          task: { ...task, priority: 8, headers: { Authorization: tokenId } },
          ...body,
        }).expect(201)
      ).body.schedule as { id: string; nextRunAt: string };
    const tasksOf = async (scheduleId: string) =>
      sut.db.query<{ id: string; scheduled_for: Date }[]>(
        'SELECT id, scheduled_for FROM tasks WHERE schedule_id = $1 ORDER BY scheduled_for',
        [scheduleId],
      );

    it('should make one task for the due time, carrying scheduleId, and move the schedule on', async () => {
      const schedule = await hourly();
      const due = new Date(schedule.nextRunAt);
      const { fired } = await firer.fireDue(new Date(due.getTime() + 5));
      expect(fired).toEqual([{ scheduleId: schedule.id, taskId: expect.any(String), dueAt: due }]);
      const made = (await api().get(`/v1/tasks/${fired[0].taskId}`).expect(200)).body.task;
      expect(made).toMatchObject({
        status: 'pending',
        targetUrl: 'https://example.com/hook',
        priority: 8,
        headers: { Authorization: tokenId },
        scheduleId: schedule.id,
        scheduledFor: due.toISOString(),
        delayUntil: null,
      });
      const after = (await api().get(`/v1/schedules/${schedule.id}`).expect(200)).body.schedule;
      expect(after).toMatchObject({
        lastRunAt: due.toISOString(),
        nextRunAt: new Date(due.getTime() + HOUR).toISOString(),
      });
      expect((await firer.fireDue(new Date(due.getTime() + 5))).fired).toEqual([]);
      expect(await tasksOf(schedule.id)).toHaveLength(1);
      expect(
        JSON.stringify(await sut.db.query('SELECT * FROM tasks WHERE schedule_id = $1', [schedule.id])),
      ).not.toContain(CANARY);
    });

    it('should put each task it makes into the queue its body names, held back like any task there', async () => {
      await api().put('/v1/queues/reports', { paused: true }).expect(200);
      const schedule = await hourly({ task: { ...task, queue: 'reports' } });
      expect((await api().get(`/v1/schedules/${schedule.id}`).expect(200)).body.schedule.task.queue).toBe('reports');
      const { fired } = await firer.fireDue(new Date(Date.parse(schedule.nextRunAt) + 1));
      const made = (await api().get(`/v1/tasks/${fired[0].taskId}`).expect(200)).body.task;
      expect(made).toMatchObject({ queue: 'reports', scheduleId: schedule.id, status: 'pending' });
      const listed = (await api().get('/v1/tasks?queue=reports').expect(200)).body.tasks;
      expect(listed.map((one: { id: string }) => one.id)).toEqual([made.id]);
      const [row] = await sut.db.query<{ gated: boolean }[]>('SELECT gated FROM tasks WHERE id = $1', [made.id]);
      expect(row.gated).toBe(true);
      const queue = (await api().get('/v1/queues/reports').expect(200)).body.queue;
      expect(queue).toMatchObject({ paused: true, counts: expect.objectContaining({ pending: 1 }) });
    });

    it('should judge due times by the database’s clock when no instant is given', async () => {
      const { schedule } = (await create({ cron: '* * * * * *', task }).expect(201)).body;
      if (Date.parse(schedule.nextRunAt) - Date.now() > 200) expect((await firer.fireDue()).fired).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, Date.parse(schedule.nextRunAt) - Date.now() + 50));
      const { fired } = await firer.fireDue();
      expect(fired.map((one) => one.dueAt.toISOString())).toEqual([schedule.nextRunAt]);
    });

    it('should fire once after downtime, for the latest missed due time', async () => {
      const schedule = await hourly();
      const due = Date.parse(schedule.nextRunAt);
      const { fired } = await firer.fireDue(new Date(due + 5 * HOUR + 30 * 60_000));
      expect(fired.map((one) => one.dueAt)).toEqual([new Date(due + 5 * HOUR)]);
      const after = (await api().get(`/v1/schedules/${schedule.id}`).expect(200)).body.schedule;
      expect(after.nextRunAt).toBe(new Date(due + 6 * HOUR).toISOString());
      expect(await tasksOf(schedule.id)).toHaveLength(1);
    });

    it('should make one task per due time when several firings race', async () => {
      const schedule = await hourly();
      const now = new Date(Date.parse(schedule.nextRunAt) + 1);
      const results = await Promise.all(Array.from({ length: 4 }, () => firer.fireDue(now)));
      expect(results.flatMap((result) => result.fired)).toHaveLength(1);
      expect(await tasksOf(schedule.id)).toHaveLength(1);
    });

    it('should make no task for a paused or deleted schedule, and keep the tasks a deleted one made', async () => {
      const paused = await hourly({ paused: true });
      const deleted = await hourly();
      const due = Date.parse(deleted.nextRunAt);
      const [made] = (await firer.fireDue(new Date(due + 1))).fired;
      await api().delete(`/v1/schedules/${deleted.id}`).expect(200);
      expect((await firer.fireDue(new Date(due + 10 * HOUR))).fired).toEqual([]);
      expect(await tasksOf(paused.id)).toHaveLength(0);
      const kept = (await api().get(`/v1/tasks/${made.taskId}`).expect(200)).body.task;
      expect(kept).toMatchObject({ scheduleId: deleted.id, status: 'pending' });
    });

    it('should fire from the next due time after a resume, not for the time it was paused', async () => {
      const schedule = await hourly();
      await api().post(`/v1/schedules/${schedule.id}/pause`).expect(200);
      const resumed = (await api().post(`/v1/schedules/${schedule.id}/resume`).expect(200)).body.schedule;
      const { fired } = await firer.fireDue(new Date(Date.parse(resumed.nextRunAt) + 1));
      expect(fired.map((one) => one.dueAt.toISOString())).toEqual([resumed.nextRunAt]);
    });

    it('should still make the task when its vault token was revoked since; the call fails it as for any task', async () => {
      const revocable = await newToken(teamA.key);
      const { schedule } = (
        await create({ cron: '0 * * * *', task: { ...task, headers: { Authorization: revocable } } }).expect(201)
      ).body;
      await api().delete(`/v1/tokens/${revocable}`).expect(200);
      const { fired } = await firer.fireDue(new Date(Date.parse(schedule.nextRunAt) + 1));
      expect(fired).toHaveLength(1);
      const made = (await api().get(`/v1/tasks/${fired[0].taskId}`).expect(200)).body.task;
      expect(made.headers).toEqual({ Authorization: revocable });
    });

    it('should give each task of a callback-waiting schedule its own callback id', async () => {
      const { schedule } = (
        await create({
          cron: '0 * * * *',
          task: { ...task, body: '{"callback":"{asyncqueue_callback_url}"}' },
        }).expect(201)
      ).body;
      const due = Date.parse(schedule.nextRunAt);
      const first = (await firer.fireDue(new Date(due + 1))).fired[0];
      const second = (await firer.fireDue(new Date(due + HOUR + 1))).fired[0];
      const ids = await Promise.all(
        [first, second].map(
          async (one) => (await api().get(`/v1/tasks/${one.taskId}`).expect(200)).body.task.callbackId,
        ),
      );
      expect(ids[0]).toMatch(/^[0-9a-f]{64}$/);
      expect(ids[1]).toMatch(/^[0-9a-f]{64}$/);
      expect(ids[0]).not.toBe(ids[1]);
    });
  });

  it('should document both routes with examples in the OpenAPI document', async () => {
    const { paths } = (await sut.http().get('/docs-json').expect(200)).body;
    for (const path of [
      '/v1/schedules',
      '/v1/schedules/{id}',
      '/v1/schedules/{id}/pause',
      '/v1/schedules/{id}/resume',
    ]) {
      expect(paths[path]).toBeDefined();
    }
    const examples = (operation: { requestBody: { content: Record<string, { examples: object }> } }) =>
      Object.keys(operation.requestBody.content['application/json'].examples);
    expect(examples(paths['/v1/schedules'].post).length).toBeGreaterThan(0);
    expect(examples(paths['/v1/schedules/{id}'].patch).length).toBeGreaterThan(0);
    expect(examples(paths['/v1/tasks/batch'].post).length).toBeGreaterThan(0);
    expect(paths['/v1/schedules'].post.security).toEqual(expect.arrayContaining([{ oauth2: ['tasks:write'] }]));
  });
});
