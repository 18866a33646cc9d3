import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Hostile input through the real app, with the worker off: nothing here is ever dispatched (some
 * targets, like [::7f00:1], would really leave the machine). Every refusal is a 400 that names the
 * problem and stores nothing.
 */
describe('Hostile input (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let team: { teamId: string; key: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, { RATE_LIMIT_PER_MINUTE: '100000' });
    team = await sut.createTeam('hostile');
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  const countTasks = async () => (await sut.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM tasks'))[0].n;
  const countRows = async (table: string) =>
    (await sut.db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;
  const createTask = (body: object) => sut.http().post('/v1/tasks').set(bearer(team.key)).send(body);
  /** Sends JSON text as given: lone surrogates stay `\ud800` escapes (a JS string would go out as U+FFFD). */
  const postJson = (path: string, json: string, key?: string) => {
    const request = sut.http().post(path).set('Content-Type', 'application/json');
    if (key) request.set(bearer(key));
    return request.send(json);
  };
  const deeplyNested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
  const deeplyNestedArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

  /** A task put straight into `waiting` (the worker is off), with its signal token or callback id. */
  async function waitingTask(body: object): Promise<{ id: string; signalToken?: string; callbackId?: string }> {
    const created = await createTask({ targetUrl: 'https://example.com', ...body }).expect(201);
    await sut.db.query(`UPDATE tasks SET status = 'waiting', wait_deadline = now() + interval '1 hour' WHERE id = $1`, [
      created.body.task.id,
    ]);
    return {
      id: created.body.task.id as string,
      signalToken: created.body.signalToken as string | undefined,
      callbackId: created.body.task.callbackId as string | undefined,
    };
  }

  async function taskRow(id: string): Promise<{ status: string; result: unknown; error: string | null }> {
    const [row] = await sut.db.query<{ status: string; result: unknown; error: string | null }[]>(
      'SELECT status, result, error FROM tasks WHERE id = $1',
      [id],
    );
    return row;
  }

  async function newClient(): Promise<{ id: string; secret: string }> {
    const response = await sut
      .http()
      .post('/v1/oauth/clients')
      .set(bearer(team.key))
      .send({ name: 'hostile', scopes: ['tasks:read'] })
      .expect(201);
    return { id: response.body.client.id as string, secret: response.body.clientSecret as string };
  }

  async function expectTaskRefused(body: object, message: string): Promise<void> {
    const before = await countTasks();
    const response = await createTask(body).expect(400);
    expect(response.body).toEqual({ error: message });
    expect(await countTasks()).toBe(before);
  }

  describe('reserved IPv6 forms', () => {
    it.each([
      ['http://[::127.0.0.1]/x', '::7f00:1'],
      ['http://[::7f00:1]/x', '::7f00:1'],
      ['http://[::a9fe:a9fe]/latest/meta-data', '::a9fe:a9fe'],
      ['http://[::2]/x', '::2'],
      ['http://[64:ff9b::10.0.0.1]/x', '64:ff9b::a00:1'],
      ['http://[64:ff9b::169.254.169.254]/x', '64:ff9b::a9fe:a9fe'],
      ['http://[2002:c0a8:101::1]/x', '2002:c0a8:101::1'],
      ['http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/x', '2001:0:4136:e378:8000:63bf:f5ff:fffe'],
      ['http://[2001:db8::1]/x', '2001:db8::1'],
      ['http://[fe80::1]/x', 'fe80::1'],
      ['http://[fc00::1]/x', 'fc00::1'],
      ['http://[ff02::1]/x', 'ff02::1'],
      ['http://[::]/x', '::'],
    ])('should refuse the target %s', async (targetUrl, literal) => {
      await expectTaskRefused(
        { targetUrl },
        `targetUrl points to a non-public address (${literal}); allow it with ALLOWED_PRIVATE_TARGETS`,
      );
    });

    it('should refuse a reserved IPv6 form as onCompleteUrl and in a poll URL template', async () => {
      await expectTaskRefused(
        { targetUrl: 'https://example.com', onCompleteUrl: 'http://[::7f00:1]/done' },
        'onCompleteUrl points to a non-public address (::7f00:1); allow it with ALLOWED_PRIVATE_TARGETS',
      );
      await expectTaskRefused(
        {
          targetUrl: 'https://example.com',
          pollConfig: {
            urlTemplate: 'http://[64:ff9b::a9fe:a9fe]/jobs/{startResult.body.id}',
            statusPath: 'status',
            doneValues: ['done'],
            failValues: [],
          },
        },
        'pollConfig.urlTemplate points to a non-public address (64:ff9b::a9fe:a9fe); allow it with ALLOWED_PRIVATE_TARGETS',
      );
    });

    it('should accept NAT64 and 6to4 forms of a public IPv4 address (created delayed, never dispatched)', async () => {
      const delayUntil = new Date(Date.now() + 86_400_000).toISOString();
      for (const targetUrl of ['http://[64:ff9b::8.8.8.8]/x', 'http://[2002:808:808::1]/x']) {
        const created = await createTask({ targetUrl, delayUntil }).expect(201);
        await sut.http().post(`/v1/tasks/${created.body.task.id}/cancel`).set(bearer(team.key)).expect(200);
      }
    });
  });

  describe('strings PostgreSQL cannot store', () => {
    it.each([
      [
        '/v1/tasks',
        { targetUrl: 'https://example.com', body: 'a\u0000b' },
        'body must not contain NUL characters',
        'tasks',
      ],
      [
        '/v1/tasks',
        { targetUrl: 'https://example.com', body: 'half a pair: \ud83d' },
        'body must not contain unpaired surrogate characters',
        'tasks',
      ],
      [
        '/v1/tasks',
        { targetUrl: 'https://example.com', delayUntil: '2099-01-01T00:00:00Z\u0000' },
        'delayUntil must be an ISO 8601 date-time',
        'tasks',
      ],
      [
        '/v1/tasks',
        {
          targetUrl: 'https://example.com',
          pollConfig: {
            urlTemplate: 'https://example.com/x',
            statusPath: 'status',
            doneValues: ['ok\u0000'],
            failValues: [],
          },
        },
        'pollConfig.doneValues[0] must not contain NUL characters',
        'tasks',
      ],
      ['/v1/tokens', { name: 'a\u0000b', value: 'v' }, 'name must not contain NUL characters', 'vault_tokens'],
      [
        '/v1/tokens',
        { name: '\udc00', value: 'v' },
        'name must not contain unpaired surrogate characters',
        'vault_tokens',
      ],
      [
        '/v1/tokens',
        { name: 'n', value: 'a\u0000b' },
        'value must not contain CR, LF or NUL characters',
        'vault_tokens',
      ],
      ['/v1/api-keys', { name: 'a\u0000b' }, 'name must not contain NUL characters', 'api_keys'],
      ['/v1/api-keys', { name: 'x\ud800' }, 'name must not contain unpaired surrogate characters', 'api_keys'],
      [
        '/v1/oauth/clients',
        { name: 'a\u0000b', scopes: ['tasks:read'] },
        'name must not contain NUL characters',
        'oauth_clients',
      ],
      [
        '/v1/oauth/clients',
        { name: '\ud800', scopes: ['tasks:read'] },
        'name must not contain unpaired surrogate characters',
        'oauth_clients',
      ],
    ])('POST %s %j: 400 "%s"', async (path, body, message, table) => {
      const before = await countRows(table);
      const response = await postJson(path, JSON.stringify(body), team.key).expect(400);
      expect(response.body).toEqual({ error: message });
      expect(await countRows(table)).toBe(before);
    });

    it('should still say "<field> is required" for a missing field before anything else', async () => {
      const response = await postJson('/v1/tokens', JSON.stringify({ name: 'a\u0000' }), team.key).expect(400);
      expect(response.body).toEqual({ error: 'value is required' });
    });

    it.each([
      [{ status: 'failed', error: 'boom\u0000' }, 'error must not contain NUL characters'],
      [
        { status: 'completed', result: { frames: ['ok', '\ud800'] } },
        'result.frames[1] must not contain unpaired surrogate characters',
      ],
      [{ status: 'completed', result: { 'key\u0000': 1 } }, 'Field names in result must not contain NUL characters'],
    ])('should refuse the signal %j and leave the task waiting', async (body, message) => {
      const task = await waitingTask({ waitForSignal: true });
      const response = await postJson(`/v1/signals/${task.signalToken}`, JSON.stringify(body)).expect(400);
      expect(response.body).toEqual({ error: message });
      expect((await taskRow(task.id)).status).toBe('waiting');
    });
  });

  describe('deeply nested JSON', () => {
    it.each([
      ['a task body field', `{"targetUrl":"https://example.com","body":${deeplyNested(5000)}}`],
      ['a task header', `{"targetUrl":"https://example.com","headers":{"X-A":${deeplyNestedArray(5000)}}}`],
      ['pollConfig', `{"targetUrl":"https://example.com","pollConfig":${deeplyNested(5000)}}`],
      ['an unknown field', `{"targetUrl":"https://example.com","extra":${deeplyNestedArray(5000)}}`],
      ['the whole body', deeplyNestedArray(5000)],
    ])('should refuse it in %s with 400', async (_where, json) => {
      const before = await countTasks();
      const response = await postJson('/v1/tasks', json, team.key).expect(400);
      expect(response.body).toEqual({ error: 'Request body is nested too deeply' });
      expect(await countTasks()).toBe(before);
    });

    it.each([
      ['/v1/tokens', `{"name":${deeplyNested(5000)},"value":"v"}`],
      ['/v1/api-keys', `{"name":${deeplyNestedArray(5000)}}`],
      ['/v1/oauth/clients', `{"name":"c","scopes":${deeplyNestedArray(5000)}}`],
    ])('should refuse it on POST %s with 400', async (path, json) => {
      const response = await postJson(path, json, team.key).expect(400);
      expect(response.body).toEqual({ error: 'Request body is nested too deeply' });
    });

    it('should refuse a signal result nested 5,000 deep and accept one nested 60 deep', async () => {
      const task = await waitingTask({ waitForSignal: true });
      const deep = await postJson(
        `/v1/signals/${task.signalToken}`,
        `{"status":"completed","result":${deeplyNested(5000)}}`,
      ).expect(400);
      expect(deep.body).toEqual({ error: 'Request body is nested too deeply' });
      expect((await taskRow(task.id)).status).toBe('waiting');
      await postJson(`/v1/signals/${task.signalToken}`, `{"status":"completed","result":${deeplyNested(60)}}`).expect(
        200,
      );
    });

    it('should refuse it on the OAuth endpoints in the RFC 6749 shape', async () => {
      for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
        const response = await postJson(
          path,
          `{"grant_type":"client_credentials","x":${deeplyNestedArray(5000)}}`,
        ).expect(400);
        expect(response.body).toEqual({
          error: 'invalid_request',
          error_description: 'Request body is nested too deeply',
        });
      }
    });
  });

  describe('OAuth parameters of the wrong type', () => {
    it.each([
      ['client_id', 42],
      ['client_id', ['aqc_x']],
      ['client_id', { id: 'aqc_x' }],
      ['client_id', true],
      ['client_secret', 1e308],
      ['client_secret', ['aqcs_x']],
      ['client_secret', {}],
      ['grant_type', ['client_credentials']],
      ['scope', 7],
    ])('should answer invalid_request on all three endpoints for %s = %j', async (name, value) => {
      const client = await newClient();
      const body = { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret, token: 't' };
      for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
        const response = await postJson(path, JSON.stringify({ ...body, [name]: value })).expect(400);
        expect(response.body).toEqual({
          error: 'invalid_request',
          error_description: `${name} must be a single string`,
        });
        expect(response.headers['cache-control']).toBe('no-store');
      }
    });

    it('should answer invalid_request for a parameter repeated in a form body', async () => {
      const client = await newClient();
      const form = `grant_type=client_credentials&client_id=${client.id}&client_id=${client.id}&client_secret=${client.secret}&token=t`;
      for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
        const response = await sut.http().post(path).type('form').send(form).expect(400);
        expect(response.body).toEqual({
          error: 'invalid_request',
          error_description: 'client_id must be a single string',
        });
      }
    });

    it('should answer invalid_request for a NUL in a parameter, and invalid_client for one inside Basic credentials', async () => {
      const client = await newClient();
      for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
        const inBody = await sut
          .http()
          .post(path)
          .type('form')
          .send(`grant_type=client_credentials&client_id=aqc_%00&client_secret=${client.secret}&token=t`)
          .expect(400);
        expect(inBody.body).toEqual({
          error: 'invalid_request',
          error_description: 'client_id must not contain NUL characters',
        });
      }
      for (const path of ['/oauth/revoke', '/oauth/introspect']) {
        const inBasic = await sut.http().post(path).auth('aqc_\u0000', client.secret).type('form').send({ token: 't' });
        expect(inBasic.status).toBe(401);
        expect(inBasic.body.error).toBe('invalid_client');
      }
    });

    it('should still issue a token for a well-formed JSON request', async () => {
      const client = await newClient();
      await postJson(
        '/oauth/token',
        JSON.stringify({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }),
      ).expect(200);
    });

    it('should answer 404 for an OAuth client id that carries a NUL', async () => {
      const response = await sut.http().delete('/v1/oauth/clients/aqc_%00').set(bearer(team.key)).expect(404);
      expect(response.body).toEqual({ error: 'OAuth client not found or already revoked' });
    });
  });

  describe('numbers out of range in the query', () => {
    it.each([
      ['offset=1e30', 'offset must be at most 2147483647'],
      ['offset=99999999999999999999', 'offset must be at most 2147483647'],
      ['offset=2147483648', 'offset must be at most 2147483647'],
      ['offset=-1', 'offset must be at least 0'],
      ['offset=NaN', 'offset must be an integer'],
      ['limit=1e400', 'limit must be an integer'],
      ['limit=1e30', 'limit must be between 1 and 100'],
      ['limit=0', 'limit must be between 1 and 100'],
    ])('GET /v1/tasks?%s: 400 "%s"', async (query, message) => {
      const response = await sut.http().get(`/v1/tasks?${query}`).set(bearer(team.key)).expect(400);
      expect(response.body).toEqual({ error: message });
    });

    it('should accept the largest offset', async () => {
      const response = await sut.http().get('/v1/tasks?offset=2147483647').set(bearer(team.key)).expect(200);
      expect(response.body.tasks).toEqual([]);
    });

    it.each([
      ['wait=1e30', 'wait must be between 0 and 25'],
      ['wait=99999999999999999999', 'wait must be between 0 and 25'],
      ['wait=1e400', 'wait must be an integer'],
      ['wait=NaN', 'wait must be an integer'],
    ])('GET /v1/tasks/{id}?%s: 400 "%s"', async (query, message) => {
      const created = await createTask({ targetUrl: 'https://example.com' }).expect(201);
      const response = await sut
        .http()
        .get(`/v1/tasks/${created.body.task.id}?${query}`)
        .set(bearer(team.key))
        .expect(400);
      expect(response.body).toEqual({ error: message });
    });
  });

  describe('other values that used to fail inside', () => {
    it('should read null as "not given" for fields with a default', async () => {
      const response = await createTask({
        targetUrl: 'https://example.com',
        method: null,
        headers: null,
        timeout: null,
        maxWaitTime: null,
        maxRetries: null,
        retryBackoff: null,
        priority: null,
        waitForSignal: null,
        pollConfig: null,
        body: null,
      }).expect(201);
      expect(response.body.task).toMatchObject({
        method: 'POST',
        headers: {},
        timeout: 30,
        maxWaitTime: 30,
        maxRetries: 3,
        retryBackoff: 'exponential',
        priority: 5,
        body: null,
      });
    });

    it('should refuse an ISO 8601 week date, which would have been stored as no delay', async () => {
      await expectTaskRefused(
        { targetUrl: 'https://example.com', delayUntil: '2099-W01' },
        'delayUntil must be an ISO 8601 date-time',
      );
    });
  });

  describe('commands that take no body', () => {
    it('should refuse any field sent to them, change nothing, and accept no body or {}', async () => {
      const task = (
        await createTask({ targetUrl: 'https://example.com', delayUntil: '2099-01-01T00:00:00Z' }).expect(201)
      ).body.task.id as string;
      await sut.http().put('/v1/queues/quiet').set(bearer(team.key)).send({}).expect(200);
      const schedule = (
        await sut
          .http()
          .post('/v1/schedules')
          .set(bearer(team.key))
          .send({ cron: '0 0 1 1 *', task: { targetUrl: 'https://example.com' } })
          .expect(201)
      ).body.schedule.id as string;
      const secret = (await sut.http().get('/v1/webhook-secret').set(bearer(team.key)).expect(200)).body;
      const commands = [
        `/v1/tasks/${task}/cancel`,
        `/v1/tasks/${task}/retry`,
        '/v1/queues/quiet/pause',
        '/v1/queues/quiet/resume',
        `/v1/schedules/${schedule}/pause`,
        `/v1/schedules/${schedule}/resume`,
        '/v1/webhook-secret/rotate',
      ];
      for (const path of commands) {
        const refused = await postJson(path, '{"force":true}', team.key).expect(400);
        expect(refused.body).toEqual({ error: 'property force should not exist' });
        const listed = await postJson(path, '["force"]', team.key).expect(400);
        expect(listed.body).toEqual({ error: 'This endpoint takes no request body' });
      }
      expect((await sut.http().get(`/v1/tasks/${task}`).set(bearer(team.key))).body.task.status).toBe('delayed');
      expect((await sut.http().get('/v1/queues/quiet').set(bearer(team.key))).body.queue.paused).toBe(false);
      expect((await sut.http().get(`/v1/schedules/${schedule}`).set(bearer(team.key))).body.schedule.paused).toBe(
        false,
      );
      expect((await sut.http().get('/v1/webhook-secret').set(bearer(team.key))).body).toEqual(secret);

      await postJson(`/v1/schedules/${schedule}/pause`, '{}', team.key).expect(200);
      await sut.http().post(`/v1/tasks/${task}/cancel`).set(bearer(team.key)).expect(200);
      expect((await sut.http().get(`/v1/tasks/${task}`).set(bearer(team.key))).body.task.status).toBe('cancelled');
    });
  });

  describe('every route that takes no body', () => {
    /** Every POST/PUT/PATCH/DELETE operation of the OpenAPI document without a request body. */
    async function bodylessOperations(): Promise<{ method: string; path: string; responses: object }[]> {
      const document = (await sut.http().get('/docs-json').expect(200)).body as {
        paths: Record<string, Record<string, { requestBody?: object; responses: object }>>;
      };
      return Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations)
          .filter(
            ([method, operation]) => ['post', 'put', 'patch', 'delete'].includes(method) && !operation.requestBody,
          )
          .map(([method, operation]) => ({ method, path, responses: operation.responses })),
      );
    }

    it('should refuse a body with fields, or one that is not an object, before anything else, and document that 400', async () => {
      const operations = await bodylessOperations();
      expect(operations.map(({ method, path }) => `${method} ${path}`)).toEqual(
        expect.arrayContaining([
          'post /v1/tasks/{id}/cancel',
          'delete /v1/tokens/{tokenId}',
          'post /v1/webhook-secret/rotate',
        ]),
      );
      for (const { method, path, responses } of operations) {
        expect([`${method} ${path}`, Object.keys(responses)]).toEqual([
          `${method} ${path}`,
          expect.arrayContaining(['400']),
        ]);
        // Ids nobody has: the handler would answer 404, so a 400 can only come from the body.
        const url = path.replace(/\{[^}]+\}/g, '0190a5f0-0000-7000-8000-000000000000');
        const http = sut.http();
        const send = (json: string) =>
          http[method as 'post'](url).set(bearer(team.key)).set('Content-Type', 'application/json').send(json);
        const withField = await send('{"force":true}');
        expect([`${method} ${path}`, withField.status, withField.body]).toEqual([
          `${method} ${path}`,
          400,
          { error: 'property force should not exist' },
        ]);
        const listed = await send('["force"]');
        expect([`${method} ${path}`, listed.status, listed.body]).toEqual([
          `${method} ${path}`,
          400,
          { error: 'This endpoint takes no request body' },
        ]);
      }
    });
  });

  describe('names of Object.prototype members', () => {
    const names = Object.getOwnPropertyNames(Object.prototype);

    it('should cover the names the issue lists', () => {
      expect(names).toEqual(expect.arrayContaining(['__proto__', 'constructor', 'toString', 'hasOwnProperty']));
    });

    it.each(names)('should refuse "%s" as a top-level field', async (name) => {
      await expectTaskRefused(
        JSON.parse(`{"targetUrl":"https://example.com",${JSON.stringify(name)}:"x"}`) as object,
        `property ${name} should not exist`,
      );
      const vault = await postJson(
        '/v1/tokens',
        `{"name":"n","value":"v",${JSON.stringify(name)}:{}}`,
        team.key,
      ).expect(400);
      expect(vault.body).toEqual({ error: `property ${name} should not exist` });
    });

    it.each(names)('should refuse "%s" as a header name', async (name) => {
      const before = await countTasks();
      const response = await postJson(
        '/v1/tasks',
        `{"targetUrl":"https://example.com","headers":{"X-Ok":"1",${JSON.stringify(name)}:"x"}}`,
        team.key,
      ).expect(400);
      expect(response.body).toEqual({ error: `Header name "${name}" is reserved` });
      expect(await countTasks()).toBe(before);
    });

    it.each(names)('should refuse "%s" inside pollConfig', async (name) => {
      const before = await countTasks();
      const pollConfig = `{"urlTemplate":"https://example.com/x","statusPath":"s","doneValues":["d"],"failValues":[],${JSON.stringify(name)}:"x"}`;
      const response = await postJson(
        '/v1/tasks',
        `{"targetUrl":"https://example.com","pollConfig":${pollConfig}}`,
        team.key,
      ).expect(400);
      expect(response.body).toEqual({ error: `property pollConfig.${name} should not exist` });
      expect(await countTasks()).toBe(before);
    });

    it('should refuse them in the query string too', async () => {
      const response = await sut.http().get('/v1/tasks?toString=1').set(bearer(team.key)).expect(400);
      expect(response.body).toEqual({ error: 'property toString should not exist' });
    });

    it('should keep them as data inside a signal result, without touching Object.prototype', async () => {
      const task = await waitingTask({ waitForSignal: true });
      const result = '{"toString":1,"constructor":"c","__proto__":{"polluted":true},"nested":{"hasOwnProperty":[2]}}';
      const response = await postJson(
        `/v1/signals/${task.signalToken}`,
        `{"status":"completed","result":${result}}`,
      ).expect(200);
      // jsonb keeps keys in its own order: compare with every key listed in one order.
      const keys = ['__proto__', 'constructor', 'hasOwnProperty', 'nested', 'polluted', 'toString'];
      const canonical = (value: unknown) => JSON.stringify(value, keys);
      expect(canonical(response.body.task.result)).toBe(canonical(JSON.parse(result)));
      expect(canonical((await taskRow(task.id)).result)).toBe(canonical(JSON.parse(result)));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });

  describe('values that could never be sent', () => {
    it.each([
      [{ targetUrl: 'https://example.com/a\tb' }, 'targetUrl must not contain whitespace or control characters'],
      [
        { targetUrl: 'https://example.com/\r\nX-Injected: 1' },
        'targetUrl must not contain whitespace or control characters',
      ],
      [{ targetUrl: 'https://exa\nmple.com/' }, 'targetUrl must not contain whitespace or control characters'],
      [{ targetUrl: ' https://example.com/' }, 'targetUrl must not contain whitespace or control characters'],
      [{ targetUrl: 'https://example.com/ ' }, 'targetUrl must not contain whitespace or control characters'],
      [{ targetUrl: 'https://example.com:0/' }, 'targetUrl must not use port 0'],
      [
        { targetUrl: 'https://example.com', onCompleteUrl: 'https://example.com/done\n' },
        'onCompleteUrl must not contain whitespace or control characters',
      ],
      [
        {
          targetUrl: 'https://example.com',
          pollConfig: {
            urlTemplate: 'https://example.com/jobs/\t{startResult.body.id}',
            statusPath: 'status',
            doneValues: ['done'],
            failValues: [],
          },
        },
        'pollConfig.urlTemplate must not contain whitespace or control characters',
      ],
      [
        {
          targetUrl: 'https://example.com',
          pollConfig: {
            urlTemplate: '{startResult.body.urls.get}',
            resultUrlTemplate: '{startResult.body.urls.result}\r\n',
            statusPath: 'status',
            doneValues: ['done'],
            failValues: [],
          },
        },
        'pollConfig.resultUrlTemplate must not contain whitespace or control characters',
      ],
      [
        { targetUrl: 'https://example.com', headers: { 'X-Note': 'launch 🚀' } },
        'Header "X-Note" must contain only characters allowed in an HTTP header value',
      ],
      [
        { targetUrl: 'https://example.com', headers: { 'X-Note': 'bell\u0007' } },
        'Header "X-Note" must contain only characters allowed in an HTTP header value',
      ],
      [
        { targetUrl: 'https://example.com', headers: { 'X-Note': '\u0141\u00f3d\u017a' } },
        'Header "X-Note" must contain only characters allowed in an HTTP header value',
      ],
      [
        { targetUrl: 'https://example.com', headers: { 'X-A': 'v\r\nX-B: 1' } },
        'Header "X-A" must not contain CR, LF or NUL characters',
      ],
      [
        { targetUrl: 'https://example.com', headers: { Expect: '100-continue' } },
        'Header "Expect" cannot be set on a task',
      ],
    ])('should refuse the task %j', async (body, message) => {
      await expectTaskRefused(body, message);
    });

    it('should store a task whose URL and headers are sendable exactly as given', async () => {
      const created = await createTask({
        targetUrl: 'https://example.com/a%20b?q=1',
        headers: { 'X-Note': 'caf\u00e9\tok', Accept: '*/*' },
      }).expect(201);
      expect(created.body.task).toMatchObject({
        targetUrl: 'https://example.com/a%20b?q=1',
        headers: { 'X-Note': 'caf\u00e9\tok', Accept: '*/*' },
      });
    });

    it.each([
      ['api-key 🔑', 'value must contain only characters allowed in an HTTP header value'],
      ['a\u0001b', 'value must contain only characters allowed in an HTTP header value'],
      ['\u20ac100', 'value must contain only characters allowed in an HTTP header value'],
      ['a\u0000b', 'value must not contain CR, LF or NUL characters'],
      ['a\r\nb', 'value must not contain CR, LF or NUL characters'],
    ])('should refuse the vault value %j', async (value, message) => {
      const before = await countRows('vault_tokens');
      const response = await postJson('/v1/tokens', JSON.stringify({ name: 'n', value }), team.key).expect(400);
      expect(response.body).toEqual({ error: message });
      expect(await countRows('vault_tokens')).toBe(before);
    });

    it('should accept a vault value with Latin-1 characters and tabs', async () => {
      await postJson('/v1/tokens', JSON.stringify({ name: 'n', value: 'p\u00e4ss\tw\u00f6rd' }), team.key).expect(201);
    });
  });
});
