import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startServingTestApp, type TestApp } from './helpers/test-app.js';
import { FakeFal, FakeReplicate } from './helpers/fake-providers.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

interface TaskBody {
  id: string;
  status: string;
  result: unknown;
  error: string | null;
  [key: string]: unknown;
}

const PROVIDERS = ['fal', 'replicate', 'runwayml', 'luma', 'elevenlabs-dubbing', 'stability-video'];

/** SPEC §8 polling, against real local servers that behave like fal's queue and Replicate's predictions. */
describe('Polling tasks and provider templates (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let fal: FakeFal;
  let replicate: FakeReplicate;
  let team: { teamId: string; key: string };
  let vaultToken: string;
  const canary = 'r8_CANARY_5e9b1c0d7a';

  beforeAll(async () => {
    database = await createTestDatabase();
    fal = await FakeFal.start();
    replicate = await FakeReplicate.start();
    sut = await startServingTestApp(database);
    team = await sut.createTeam('polling');
    const token = await sut
      .http()
      .post('/v1/tokens')
      .set(bearer(team.key))
      .send({ name: 'provider key', value: `Bearer ${canary}` })
      .expect(201);
    vaultToken = token.body.token.id as string;
  });

  afterAll(async () => {
    await sut.close();
    await fal.close();
    await replicate.close();
    await database.drop();
  });

  const create = (body: object) => sut.http().post('/v1/tasks').set(bearer(team.key)).send(body);
  const getTask = async (id: string): Promise<TaskBody> =>
    (await sut.http().get(`/v1/tasks/${id}`).set(bearer(team.key)).expect(200)).body.task as TaskBody;
  const settle = (id: string, timeoutMs = 15_000) =>
    waitFor(
      async () => {
        const task = await getTask(id);
        return ['completed', 'failed', 'timeout'].includes(task.status) ? task : undefined;
      },
      timeoutMs,
      `task ${id} to finish`,
    );
  const countTasks = async () => (await sut.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM tasks'))[0].n;

  const statusPoll = (overrides: object = {}) => ({
    urlTemplate: '{startResult.body.urls.get}',
    statusPath: 'status',
    doneValues: ['succeeded'],
    failValues: ['failed'],
    interval: 1,
    ...overrides,
  });

  describe('GET /v1/providers', () => {
    it('should list the built-in templates without credentials', async () => {
      const response = await sut.http().get('/v1/providers').expect(200);
      const providers = response.body.providers as {
        id: string;
        name: string;
        description: string;
        pollConfig: object;
      }[];
      expect(providers.map((provider) => provider.id)).toEqual(PROVIDERS);
      for (const provider of providers) {
        expect(provider.name).toEqual(expect.any(String));
        expect(provider.description).toEqual(expect.any(String));
        expect(provider.pollConfig).toMatchObject({
          urlTemplate: expect.stringContaining('{startResult.body.'),
          statusPath: expect.any(String),
          doneValues: expect.any(Array),
          failValues: expect.any(Array),
          interval: expect.any(Number),
          forwardAuth: true,
        });
      }
    });
  });

  describe('creating a polling task', () => {
    it('should store a provider as its template, and a pollConfig with its defaults', async () => {
      const byProvider = await create({ targetUrl: replicate.submitUrl, provider: 'replicate' }).expect(201);
      expect(byProvider.body.task).toMatchObject({
        provider: 'replicate',
        pollConfig: { urlTemplate: '{startResult.body.urls.get}', doneValues: ['succeeded'], forwardAuth: true },
      });
      const byConfig = await create({
        targetUrl: 'https://api.example.com/jobs',
        pollConfig: {
          urlTemplate: 'https://api.example.com/jobs/{startResult.body.id}',
          statusPath: 'state',
          doneValues: ['done'],
          failValues: [],
        },
      }).expect(201);
      expect(byConfig.body.task).toMatchObject({
        provider: null,
        waitForSignal: false,
        pollConfig: {
          urlTemplate: 'https://api.example.com/jobs/{startResult.body.id}',
          statusPath: 'state',
          doneValues: ['done'],
          failValues: [],
          interval: 5,
          forwardAuth: false,
        },
      });
    });

    const valid = statusPoll();
    it.each([
      [{ provider: 'midjourney' }, `provider must be one of ${PROVIDERS.join(', ')}`],
      [{ provider: 'fal', pollConfig: valid }, 'provider and pollConfig cannot be used together'],
      [{ waitForSignal: true, provider: 'fal' }, 'waitForSignal cannot be combined with provider or pollConfig'],
      [{ waitForSignal: 'yes' }, 'waitForSignal must be a boolean'],
      [{ pollConfig: 'fal' }, 'pollConfig must be an object'],
      [{ pollConfig: { ...valid, urlTemplate: undefined } }, 'pollConfig.urlTemplate is required'],
      [{ pollConfig: { ...valid, statusPath: undefined } }, 'pollConfig.statusPath is required'],
      [{ pollConfig: { ...valid, doneValues: undefined } }, 'pollConfig.doneValues is required'],
      [{ pollConfig: { ...valid, failValues: undefined } }, 'pollConfig.failValues is required'],
      [
        { pollConfig: { ...valid, doneValues: [] } },
        'pollConfig.doneValues must be a non-empty array of strings, numbers or booleans',
      ],
      [
        { pollConfig: { ...valid, failValues: [{}] } },
        'pollConfig.failValues must be an array of strings, numbers or booleans',
      ],
      [
        { pollConfig: { ...valid, failValues: ['succeeded'] } },
        'pollConfig.doneValues and pollConfig.failValues both contain "succeeded"',
      ],
      [{ pollConfig: { ...valid, interval: 0 } }, 'pollConfig.interval must be between 1 and 3600'],
      [{ pollConfig: { ...valid, interval: 3601 } }, 'pollConfig.interval must be between 1 and 3600'],
      [{ pollConfig: { ...valid, interval: '5' } }, 'pollConfig.interval must be a number'],
      [{ pollConfig: { ...valid, maxDuration: 86401 } }, 'pollConfig.maxDuration must be between 1 and 86400'],
      [{ pollConfig: { ...valid, forwardAuth: 'true' } }, 'pollConfig.forwardAuth must be a boolean'],
      [
        { pollConfig: { ...valid, statusPath: 'a..b' } },
        'pollConfig.statusPath must be a dotted path such as "data.status" or "output.0.url"',
      ],
      [{ pollConfig: { ...valid, resultPath: 7 } }, 'pollConfig.resultPath must be a non-empty string'],
      [{ pollConfig: { ...valid, extra: true } }, 'property pollConfig.extra should not exist'],
      [
        { pollConfig: { ...valid, urlTemplate: 'https://x.example/{jobId}' } },
        'pollConfig.urlTemplate has an unknown placeholder "{jobId}" (use {startResult.body.<path>} or {startResult.headers.<name>})',
      ],
      [
        { pollConfig: { ...valid, urlTemplate: 'ftp://x.example/{startResult.body.id}' } },
        'pollConfig.urlTemplate must be a valid http or https URL',
      ],
      [
        { pollConfig: { ...valid, urlTemplate: 'http://169.254.169.254/{startResult.body.id}' } },
        'pollConfig.urlTemplate points to a non-public address (169.254.169.254); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
    ])('should refuse %j with "%s" and create nothing', async (fields, message) => {
      const before = await countTasks();
      const response = await create({ targetUrl: 'https://api.example.com/jobs', ...fields }).expect(400);
      expect(response.body).toEqual({ error: message });
      expect(await countTasks()).toBe(before);
    });
  });

  describe('polling', () => {
    it('should drive a fal job through status_url and response_url with the vault key, to completed', async () => {
      fal.checksUntilDone = 2;
      const created = await create({
        targetUrl: fal.submitUrl,
        headers: { Authorization: vaultToken, 'Content-Type': 'application/json' },
        body: '{"prompt":"a cat"}',
        provider: 'fal',
        maxWaitTime: 60,
      }).expect(201);
      const id = created.body.task.id as string;
      const polling = await waitFor(
        async () => {
          const task = await getTask(id);
          return task.status === 'polling' ? task : undefined;
        },
        10_000,
        'the task to poll',
      );
      expect(polling.result).toMatchObject({ statusCode: 200 });
      const done = await settle(id);
      expect(done).toMatchObject({ status: 'completed', error: null, result: fal.result });
      const checks = fal.statusChecks();
      expect(checks.length).toBeGreaterThanOrEqual(2);
      // Two seconds between checks (the fal template's interval), never sooner.
      expect(checks[1].at - checks[0].at).toBeGreaterThanOrEqual(1900);
      for (const call of fal.server.calls) expect(call.headers.authorization).toBe(`Bearer ${canary}`);
      for (const call of checks) {
        expect(call.method).toBe('GET');
        expect(call.headers['x-asyncqueue-task-id']).toBe(id);
        expect(call.headers['content-type']).toBeUndefined();
      }
      expect(JSON.stringify(await sut.db.query('SELECT * FROM tasks'))).not.toContain(canary);
    }, 30_000);

    it('should complete a Replicate prediction with its output', async () => {
      replicate.checksUntilDone = 3;
      replicate.finalStatus = 'succeeded';
      const created = await create({
        targetUrl: replicate.submitUrl,
        headers: { Authorization: vaultToken },
        body: '{"version":"v1","input":{}}',
        pollConfig: statusPoll({ resultPath: 'output', errorPath: 'error', forwardAuth: true }),
        maxWaitTime: 60,
      }).expect(201);
      const done = await settle(created.body.task.id);
      expect(done).toMatchObject({ status: 'completed', result: replicate.output, error: null });
    }, 30_000);

    it('should fail with the provider error when the prediction fails', async () => {
      replicate.checksUntilDone = 2;
      replicate.finalStatus = 'failed';
      const created = await create({
        targetUrl: replicate.submitUrl,
        pollConfig: statusPoll({ resultPath: 'output', errorPath: 'error' }),
        maxWaitTime: 60,
      }).expect(201);
      const failed = await settle(created.body.task.id);
      expect(failed).toMatchObject({ status: 'failed', error: 'CUDA out of memory' });
    }, 30_000);

    it('should time out after maxDuration while the job keeps running', async () => {
      replicate.checksUntilDone = 2;
      replicate.finalStatus = 'processing';
      const created = await create({
        targetUrl: replicate.submitUrl,
        pollConfig: statusPoll({ maxDuration: 2 }),
        maxWaitTime: 600,
      }).expect(201);
      const timedOut = await settle(created.body.task.id);
      expect(timedOut).toMatchObject({ status: 'timeout', error: 'Polling did not finish within 2 seconds' });
    }, 30_000);

    it('should fail when the status check answers 404', async () => {
      const created = await create({
        targetUrl: replicate.submitUrl,
        pollConfig: statusPoll({ urlTemplate: `${replicate.server.url('/v1/gone/')}{startResult.body.id}` }),
        maxWaitTime: 60,
      }).expect(201);
      const failed = await settle(created.body.task.id);
      expect(failed).toMatchObject({ status: 'failed', error: 'Status check answered HTTP 404 - Not Found' });
    }, 30_000);

    it('should fail when the result fetch is refused (fal error response)', async () => {
      fal.checksUntilDone = 1;
      fal.resultStatus = 422;
      try {
        const created = await create({ targetUrl: fal.submitUrl, provider: 'fal', maxWaitTime: 60 }).expect(201);
        const failed = await settle(created.body.task.id);
        expect(failed).toMatchObject({
          status: 'failed',
          error: 'Result request answered HTTP 422 - Unprocessable Entity',
        });
      } finally {
        fal.resultStatus = 200;
      }
    }, 30_000);

    it('should not send credentials to a status URL on another origin', async () => {
      const elsewhere = await SinkServer.start();
      replicate.serveStatusOn(elsewhere);
      replicate.checksUntilDone = 1;
      replicate.finalStatus = 'succeeded';
      try {
        const created = await create({
          targetUrl: replicate.submitUrl,
          headers: { 'X-Api-Key': vaultToken, Authorization: 'Bearer plain-secret', 'X-Trace': 'trace-1' },
          pollConfig: statusPoll({ forwardAuth: true, resultPath: 'output' }),
          maxWaitTime: 60,
        }).expect(201);
        await settle(created.body.task.id);
        const [check] = elsewhere.calls;
        expect(check.headers['x-trace']).toBe('trace-1');
        expect(check.headers['x-api-key']).toBeUndefined();
        expect(check.headers.authorization).toBeUndefined();
        expect(JSON.stringify(check.headers)).not.toContain(canary);
      } finally {
        replicate.statusBase = replicate.server.url('');
        await elsewhere.close();
      }
    }, 30_000);

    it('should accept a provider callback while polling, and stop polling', async () => {
      replicate.checksUntilDone = 1000;
      replicate.finalStatus = 'processing';
      const created = await create({
        targetUrl: `${replicate.submitUrl}?webhook={asyncqueue_callback_url}`,
        pollConfig: statusPoll(),
        maxWaitTime: 60,
      }).expect(201);
      const id = created.body.task.id as string;
      const checksOf = () => replicate.server.calls.filter((call) => call.method === 'GET').length;
      const before = checksOf();
      await waitFor(() => checksOf() > before || undefined, 10_000, 'a first status check');
      await sut
        .http()
        .post(`/v1/callbacks/${created.body.task.callbackId}`)
        .send({ output: 'via webhook' })
        .expect(200);
      const checksAtCallback = checksOf();
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await getTask(id)).toMatchObject({
        status: 'completed',
        result: { statusCode: 200, headers: {}, body: '{"output":"via webhook"}', duration: 0 },
      });
      // At most the one check that was already in flight; its write lost to the callback.
      expect(checksOf() - checksAtCallback).toBeLessThanOrEqual(1);
    }, 30_000);
  });
});
