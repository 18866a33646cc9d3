import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

const POLL_CONFIG = { urlTemplate: '{startResult.body.url}', statusPath: 'status', doneValues: ['ok'], failValues: [] };

/** POST /v1/tasks/batch (SPEC §10). The worker is off: no target here is ever called. */
describe('Task batches (e2e)', () => {
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
    tokenId = await newToken(teamA.key, {});
    otherTeamTokenId = await newToken(teamB.key, {});
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  async function newToken(key: string, extra: object): Promise<string> {
    const response = await sut
      .http()
      .post('/v1/tokens')
      .set(bearer(key))
      .send({ name: 'k', value: 'canary-secret-value', ...extra })
      .expect(201);
    return response.body.token.id as string;
  }

  const batch = (body: object, key = teamA.key) => sut.http().post('/v1/tasks/batch').set(bearer(key)).send(body);
  const target = (i: number) => ({ targetUrl: `https://example.com/item/${i}` });
  const countTasks = async () => (await sut.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM tasks'))[0].n;

  it('should create every task, in the order given, as single creation would', async () => {
    const response = await batch({
      tasks: [
        target(0),
        { ...target(1), priority: 9, method: 'put' },
        { ...target(2), delayUntil: '2999-01-01T00:00:00Z' },
      ],
    }).expect(201);
    expect(response.body.tasks.map((task: { targetUrl: string }) => task.targetUrl)).toEqual([
      'https://example.com/item/0',
      'https://example.com/item/1',
      'https://example.com/item/2',
    ]);
    expect(response.body.tasks[0]).toMatchObject({
      teamId: teamA.teamId,
      status: 'pending',
      method: 'POST',
      priority: 5,
      timeout: 30,
      maxRetries: 3,
      scheduleId: null,
      callbackId: null,
    });
    expect(response.body.tasks[1]).toMatchObject({ priority: 9, method: 'PUT' });
    expect(response.body.tasks[2]).toMatchObject({ status: 'delayed', delayUntil: '2999-01-01T00:00:00.000Z' });
    // The answer is built from what was inserted, not read back: it must be what a read shows.
    for (const task of response.body.tasks) {
      const read = await sut.http().get(`/v1/tasks/${task.id}`).set(bearer(teamA.key)).expect(200);
      expect(task).toEqual(read.body.task);
    }
  });

  it('should take 1,000 tasks in one request, over the 3 MB a single request may carry', async () => {
    const before = await countTasks();
    const body = 'x'.repeat(4000);
    const response = await batch({ tasks: Array.from({ length: 1000 }, (_, i) => ({ ...target(i), body })) }).expect(
      201,
    );
    expect(response.body.tasks).toHaveLength(1000);
    expect(response.body.tasks[999].targetUrl).toBe('https://example.com/item/999');
    expect(await countTasks()).toBe(before + 1000);
  });

  it.each([
    [{}, 'tasks is required'],
    [{ tasks: null }, 'tasks is required'],
    [{ tasks: { 0: {} } }, 'tasks must be an array'],
    [{ tasks: [] }, 'tasks must hold between 1 and 1000 task bodies'],
    [{ tasks: Array.from({ length: 1001 }, (_, i) => target(i)) }, 'tasks must hold between 1 and 1000 task bodies'],
    [{ tasks: [target(0)], extra: 1 }, 'property extra should not exist'],
  ])('should refuse the batch %#: %s', async (body, error) => {
    const before = await countTasks();
    expect((await batch(body).expect(400)).body).toEqual({ error });
    expect(await countTasks()).toBe(before);
  });

  it.each([
    [[target(0), { ...target(1), priority: 11 }], 'tasks[1]: priority must be between 1 and 10'],
    [[{ method: 'GET' }], 'tasks[0]: targetUrl is required'],
    [[target(0), target(1), 'call me'], 'tasks[2] must be an object'],
    [[target(0), [target(1)]], 'tasks[1] must be an object'],
    [[target(0), { ...target(1), nope: true }], 'tasks[1]: property nope should not exist'],
    [[{ ...target(0), headers: { Host: 'x' } }], 'tasks[0]: Header "Host" cannot be set on a task'],
    [
      [target(0), { targetUrl: 'http://10.0.0.1/x' }],
      'tasks[1]: targetUrl points to a non-public address (10.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
    ],
    [
      [target(0), { ...target(1), provider: 'fal', pollConfig: POLL_CONFIG }],
      'tasks[1]: provider and pollConfig cannot be used together',
    ],
  ])('should refuse a batch with a bad item, naming its index, and create nothing (%#)', async (tasks, error) => {
    const before = await countTasks();
    expect((await batch({ tasks }).expect(400)).body).toEqual({ error });
    expect(await countTasks()).toBe(before);
  });

  it('should create nothing when one item references an unusable vault token, naming the first such item', async () => {
    const revoked = await newToken(teamA.key, {});
    await sut.http().delete(`/v1/tokens/${revoked}`).set(bearer(teamA.key)).expect(200);
    const bound = await newToken(teamA.key, { allowedHosts: ['api.example.org'] });
    const good = { ...target(0), headers: { Authorization: tokenId } };
    const cases: [object, string][] = [
      [{ Authorization: 'tok_01jrx7m2k4q8c9d0e1f2g3h4j5' }, 'tok_01jrx7m2k4q8c9d0e1f2g3h4j5'],
      [{ 'X-Key': otherTeamTokenId }, otherTeamTokenId],
      [{ 'X-Key': revoked }, revoked],
    ];
    const before = await countTasks();
    for (const [headers, id] of cases) {
      const response = await batch({ tasks: [good, good, { ...target(2), headers }, good] }).expect(400);
      const header = Object.keys(headers)[0];
      expect(response.body).toEqual({ error: `tasks[2]: Header "${header}" references unknown vault token "${id}"` });
    }
    const refusedHost = await batch({ tasks: [good, { ...target(1), headers: { Authorization: bound } }] }).expect(400);
    expect(refusedHost.body).toEqual({
      error: `tasks[1]: Vault token "${bound}" may not be sent to host "example.com"`,
    });
    expect(await countTasks()).toBe(before);
    const accepted = await batch({ tasks: [good, good] }).expect(201);
    expect(accepted.body.tasks[1].headers).toEqual({ Authorization: tokenId });
    expect(JSON.stringify(accepted.body)).not.toContain('canary-secret-value');
  });

  it('should hand out each waiting task’s signal token and callback URL with it', async () => {
    const response = await batch({
      tasks: [
        target(0),
        { ...target(1), waitForSignal: true },
        { ...target(2), body: '{"cb":"{asyncqueue_callback_url}"}' },
      ],
    }).expect(201);
    const [plain, signalled, called] = response.body.tasks;
    expect(plain.signalToken).toBeUndefined();
    expect(plain.callbackUrl).toBeUndefined();
    expect(signalled.signalToken).toEqual(expect.any(String));
    expect(called.callbackUrl).toBe(`http://localhost:3000/v1/callbacks/${called.callbackId}`);
  });

  describe('Idempotency-Key', () => {
    const body = { tasks: [target(0), target(1)] };

    it('should answer a repeat with the batch it created, and refuse the key for another request', async () => {
      const first = await batch(body).set('Idempotency-Key', 'batch-1').expect(201);
      const before = await countTasks();
      const replay = await batch(body).set('Idempotency-Key', 'batch-1').expect(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.tasks.map((task: { id: string }) => task.id)).toEqual(
        first.body.tasks.map((task: { id: string }) => task.id),
      );
      expect(await countTasks()).toBe(before);
      const changed = await batch({ tasks: [target(1), target(0)] })
        .set('Idempotency-Key', 'batch-1')
        .expect(422);
      expect(changed.body).toEqual({ error: 'Idempotency-Key was already used with a different request' });
      const single = await sut
        .http()
        .post('/v1/tasks')
        .set(bearer(teamA.key))
        .set('Idempotency-Key', 'batch-1')
        .send(target(0))
        .expect(422);
      expect(single.body).toEqual({ error: 'Idempotency-Key was already used with a different request' });
      await batch(body, teamB.key).set('Idempotency-Key', 'batch-1').expect(201);
    });

    it('should answer 404 when retention deleted one of the tasks a repeated batch made', async () => {
      const first = await batch(body).set('Idempotency-Key', 'batch-swept').expect(201);
      // What the sweep does to a finished task under a retention shorter than the key's 24 hours.
      await sut.db.query('DELETE FROM tasks WHERE id = $1', [first.body.tasks[1].id]);
      const replay = await batch(body).set('Idempotency-Key', 'batch-swept').expect(404);
      expect(replay.body).toEqual({ error: 'Task not found' });
    });

    it('should refuse a batch under a key a single creation used', async () => {
      await sut
        .http()
        .post('/v1/tasks')
        .set(bearer(teamA.key))
        .set('Idempotency-Key', 'single-1')
        .send(target(0))
        .expect(201);
      await batch({ tasks: [target(0)] })
        .set('Idempotency-Key', 'single-1')
        .expect(422);
    });

    it('should claim no key when the batch is refused', async () => {
      await batch({ tasks: [{ ...target(0), headers: { Authorization: otherTeamTokenId } }] })
        .set('Idempotency-Key', 'batch-refused')
        .expect(400);
      await batch(body).set('Idempotency-Key', 'batch-refused').expect(201);
    });

    it('should let only one of two concurrent batches with one key create tasks', async () => {
      const before = await countTasks();
      const [a, b] = await Promise.all([
        batch(body).set('Idempotency-Key', 'batch-race'),
        batch(body).set('Idempotency-Key', 'batch-race'),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 201]);
      expect(await countTasks()).toBe(before + 2);
    });
  });

  it('should count a batch as one request against the team’s rate limit', async () => {
    const first = await batch({ tasks: [target(0), target(1), target(2)] }).expect(201);
    const second = await batch({ tasks: [target(0), target(1), target(2)] }).expect(201);
    expect(Number(first.headers['x-ratelimit-remaining']) - Number(second.headers['x-ratelimit-remaining'])).toBe(1);
  });

  it('should require tasks:write', async () => {
    const client = await sut
      .http()
      .post('/v1/oauth/clients')
      .set(bearer(teamA.key))
      .send({ name: 'reader', scopes: ['tasks:read'] })
      .expect(201);
    const token = await sut
      .http()
      .post('/oauth/token')
      .auth(client.body.client.id, client.body.clientSecret)
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    const response = await batch({ tasks: [target(0)] }, token.body.access_token).expect(403);
    expect(response.body).toEqual({ error: 'Insufficient scope: requires tasks:write' });
  });
});
