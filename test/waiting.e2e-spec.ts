import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startServingTestApp, type TestApp } from './helpers/test-app.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

interface TaskBody {
  id: string;
  status: string;
  result: unknown;
  error: string | null;
  callbackId: string | null;
  [key: string]: unknown;
}

/** SPEC §8 signals and callbacks, with the worker running in the app and real HTTP targets. */
describe('Waiting tasks: signals and callbacks (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp & { baseUrl: string };
  let sink: SinkServer;
  let team: { teamId: string; key: string };
  let baseUrl: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    sut = await startServingTestApp(database);
    baseUrl = sut.baseUrl;
    team = await sut.createTeam('waiting');
  });

  const acceptEveryJob = () => {
    sink.handler = (_call, response) => {
      response.setHeader('Content-Type', 'application/json');
      response.end('{"accepted":true}');
    };
  };
  beforeEach(acceptEveryJob);

  afterAll(async () => {
    await sut.close();
    await sink.close();
    await database.drop();
  });

  const create = (body: object) => sut.http().post('/v1/tasks').set(bearer(team.key)).send(body);
  const getTask = async (id: string): Promise<TaskBody> =>
    (await sut.http().get(`/v1/tasks/${id}`).set(bearer(team.key)).expect(200)).body.task as TaskBody;
  const statusOf = (id: string, wanted: string) =>
    waitFor(
      async () => {
        const task = await getTask(id);
        return task.status === wanted ? task : undefined;
      },
      10_000,
      `task ${id} to be ${wanted}`,
    );
  const signal = (token: string, body: object) => sut.http().post(`/v1/signals/${token}`).send(body);
  const callback = (id: string, body: unknown) =>
    sut
      .http()
      .post(`/v1/callbacks/${id}`)
      .send(body as object);

  describe('POST /v1/signals/{token}', () => {
    it('should complete a waiting task with the signalled result, once', async () => {
      const created = await create({
        targetUrl: sink.url('/start-job'),
        waitForSignal: true,
        maxWaitTime: 60,
        onCompleteUrl: sink.url('/done'),
      }).expect(201);
      const token = created.body.signalToken as string;
      expect(token).toMatch(/^aq_sig_[0-9A-Za-z]{43}$/);
      expect(created.body.task).toMatchObject({ waitForSignal: true, status: 'pending' });
      const [row] = await sut.db.query<{ signal_token_hash: string }[]>(
        'SELECT signal_token_hash FROM tasks WHERE id = $1',
        [created.body.task.id],
      );
      expect(row.signal_token_hash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(await sut.db.query('SELECT * FROM tasks'))).not.toContain(token);

      const waiting = await statusOf(created.body.task.id, 'waiting');
      expect(waiting.result).toMatchObject({ statusCode: 200, body: '{"accepted":true}' });
      expect(waiting.completedAt).toBeNull();

      const signalled = await signal(token, { status: 'completed', result: { video: 'https://cdn/v.mp4' } }).expect(
        200,
      );
      expect(signalled.body).toEqual({
        task: {
          id: created.body.task.id,
          status: 'completed',
          result: { video: 'https://cdn/v.mp4' },
          createdAt: created.body.task.createdAt,
          completedAt: expect.any(String),
        },
      });
      expect((await getTask(created.body.task.id)).error).toBeNull();

      const again = await signal(token, { status: 'completed' }).expect(404);
      expect(again.body).toEqual({ error: 'Invalid or expired signal token' });

      const webhook = await waitFor(() => sink.callsTo('/done')[0], 10_000, 'the completion webhook');
      expect(JSON.parse(webhook.body)).toMatchObject({
        event: 'task.completed',
        task: { id: created.body.task.id, status: 'completed' },
      });
    });

    it('should fail a waiting task with the signalled error, keeping the submit response', async () => {
      const created = await create({ targetUrl: sink.url('/start'), waitForSignal: true }).expect(201);
      await statusOf(created.body.task.id, 'waiting');
      const failed = await signal(created.body.signalToken, { status: 'failed', error: 'Render farm on fire' }).expect(
        200,
      );
      expect(failed.body.task).toMatchObject({ status: 'failed', result: { statusCode: 200 } });
      expect(await getTask(created.body.task.id)).toMatchObject({ status: 'failed', error: 'Render farm on fire' });
    });

    it('should answer 409 with the current status while the task is not waiting yet', async () => {
      const created = await create({
        targetUrl: sink.url('/later'),
        waitForSignal: true,
        delayUntil: new Date(Date.now() + 3_600_000).toISOString(),
      }).expect(201);
      const response = await signal(created.body.signalToken, { status: 'completed' }).expect(409);
      expect(response.body).toEqual({ error: 'Task is not in waiting state (current: delayed)' });
    });

    it('should time out without a signal, fire the webhook, and refuse a late signal with 404', async () => {
      const created = await create({
        targetUrl: sink.url('/start'),
        waitForSignal: true,
        maxWaitTime: 1,
        onCompleteUrl: sink.url('/timed-out'),
      }).expect(201);
      const timedOut = await statusOf(created.body.task.id, 'timeout');
      expect(timedOut.error).toBe('No signal or callback arrived within 1 seconds');
      expect(timedOut.completedAt).not.toBeNull();
      await signal(created.body.signalToken, { status: 'completed' }).expect(404);
      const webhook = await waitFor(() => sink.callsTo('/timed-out')[0], 10_000, 'the timeout webhook');
      expect(JSON.parse(webhook.body)).toMatchObject({ event: 'task.timeout' });
    });

    it('should let exactly one of two simultaneous signals win', async () => {
      const created = await create({ targetUrl: sink.url('/start'), waitForSignal: true, maxWaitTime: 60 }).expect(201);
      await statusOf(created.body.task.id, 'waiting');
      const responses = await Promise.all([
        signal(created.body.signalToken, { status: 'completed', result: 'first' }),
        signal(created.body.signalToken, { status: 'failed', error: 'second' }),
      ]);
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses[0]).toBe(200);
      expect([404, 409]).toContain(statuses[1]);
      const winner = responses.find((response) => response.status === 200);
      expect((await getTask(created.body.task.id)).status).toBe(winner?.body.task.status);
    });

    it('should refuse unknown and malformed tokens with the same 404', async () => {
      for (const token of [`aq_sig_${'A'.repeat(43)}`, 'not-a-token', 'aq_sig_short']) {
        const response = await signal(token, { status: 'completed' }).expect(404);
        expect(response.body).toEqual({ error: 'Invalid or expired signal token' });
      }
    });

    it.each([
      [{}, 'status is required'],
      [{ status: 'done' }, 'status must be one of completed, failed'],
      [{ status: 'failed', error: 42 }, 'error must be a string'],
      [{ status: 'completed', extra: 1 }, 'property extra should not exist'],
    ])('should refuse the signal body %j: %s', async (body, message) => {
      const created = await create({ targetUrl: sink.url('/start'), waitForSignal: true, maxWaitTime: 60 }).expect(201);
      await statusOf(created.body.task.id, 'waiting');
      const response = await signal(created.body.signalToken, body).expect(400);
      expect(response.body).toEqual({ error: message });
      expect((await getTask(created.body.task.id)).status).toBe('waiting');
    });

    it('should fail, not wait, when the submit call is refused with a 4xx', async () => {
      sink.handler = (_call, response) => {
        response.statusCode = 422;
        response.end('{"detail":"bad prompt"}');
      };
      const created = await create({ targetUrl: sink.url('/start'), waitForSignal: true }).expect(201);
      const failed = await statusOf(created.body.task.id, 'failed');
      expect(failed.error).toBe('Submit call was not accepted: HTTP 422 - Unprocessable Entity');
      expect(failed.retryCount).toBe(0);
    });
  });

  describe('{asyncqueue_callback_url} and POST /v1/callbacks/{id}', () => {
    it('should hand the provider a callback URL and complete the task with what it posts there', async () => {
      sink.handler = (call, response) => {
        response.setHeader('Content-Type', 'application/json');
        if (!call.path.startsWith('/submit')) return void response.end('{}');
        const { webhook } = JSON.parse(call.body) as { webhook: string };
        response.end('{"request_id":"r1"}');
        // The provider reports later, over real HTTP, to the URL it was given.
        setTimeout(() => {
          void fetch(webhook, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ request_id: 'r1', status: 'OK', payload: { images: ['a.png'] } }),
          });
        }, 200);
      };
      const created = await create({
        targetUrl: `${sink.url('/submit')}?fal_webhook={asyncqueue_callback_url}`,
        headers: { 'X-Reply-To': '{asyncqueue_callback_url}' },
        body: '{"prompt":"a cat","webhook":"{asyncqueue_callback_url}"}',
        maxWaitTime: 60,
        onCompleteUrl: sink.url('/callback-done'),
      }).expect(201);
      const { task } = created.body as { task: TaskBody };
      expect(task.callbackId).toMatch(/^[0-9a-f]{64}$/);
      const callbackUrl = `${baseUrl}/v1/callbacks/${task.callbackId}`;
      expect(created.body.callbackUrl).toBe(callbackUrl);
      expect(created.body.signalToken).toBeUndefined();
      expect(task.targetUrl).toContain('{asyncqueue_callback_url}');

      const completed = await statusOf(task.id, 'completed');
      expect(completed.result).toEqual({
        statusCode: 200,
        headers: {},
        body: JSON.stringify({ request_id: 'r1', status: 'OK', payload: { images: ['a.png'] } }),
        duration: 0,
      });
      const [submit] = sink.callsTo('/submit');
      expect(submit.path).toBe(`/submit?fal_webhook=${callbackUrl}`);
      expect(submit.headers['x-reply-to']).toBe(callbackUrl);
      expect(JSON.parse(submit.body)).toEqual({ prompt: 'a cat', webhook: callbackUrl });

      const again = await callback(task.callbackId as string, { late: true }).expect(404);
      expect(again.body).toEqual({ error: 'Invalid or expired callback ID' });
      const webhook = await waitFor(() => sink.callsTo('/callback-done')[0], 10_000, 'the completion webhook');
      expect(JSON.parse(webhook.body)).toMatchObject({ event: 'task.completed', task: { id: task.id } });
      // The webhook goes to a receiver that may only read: the id would let it forge a completion.
      expect(JSON.parse(webhook.body).task).not.toHaveProperty('callbackId');
      expect(webhook.body).not.toContain(task.callbackId);
    });

    it('should give tasks without the placeholder no callback', async () => {
      const created = await create({ targetUrl: sink.url('/plain') }).expect(201);
      expect(created.body.task.callbackId).toBeNull();
      expect(created.body).not.toHaveProperty('callbackUrl');
      expect(created.body).not.toHaveProperty('signalToken');
    });

    it('should answer 409 with the current status before the task waits', async () => {
      const created = await create({
        targetUrl: sink.url('/later'),
        body: '{"cb":"{asyncqueue_callback_url}"}',
        delayUntil: new Date(Date.now() + 3_600_000).toISOString(),
      }).expect(201);
      const response = await callback(created.body.task.callbackId, { early: true }).expect(409);
      expect(response.body).toEqual({ error: 'Task is not in waiting/polling state (current: delayed)' });
      expect((await getTask(created.body.task.id)).status).toBe('delayed');
    });

    const waitingCallbackTask = async (): Promise<{ id: string; callbackId: string; createdAt: string }> => {
      const created = await create({ targetUrl: sink.url('/x?cb={asyncqueue_callback_url}'), maxWaitTime: 60 }).expect(
        201,
      );
      await statusOf(created.body.task.id, 'waiting');
      return created.body.task;
    };

    it.each([
      ['JSON, as sent', 'application/json', '{ "b": 1,\n  "a": [1, 2] }', { body: '{ "b": 1,\n  "a": [1, 2] }' }],
      ['a form', 'application/x-www-form-urlencoded', 'a=1&b=hello+world', { body: 'a=1&b=hello+world' }],
      ['plain text', 'text/plain; charset=utf-8', 'job 7 finished ✓', { body: 'job 7 finished ✓' }],
      [
        'binary',
        'application/octet-stream',
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]),
        { body: 'iVBORwD/', bodyEncoding: 'base64' },
      ],
      ['text with a NUL', 'text/plain', 'a\u0000b', { body: 'YQBi', bodyEncoding: 'base64' }],
      ['nothing', 'application/json', '', { body: '' }],
    ])('should complete the task with %s as the result body', async (_case, contentType, payload, encoded) => {
      const task = await waitingCallbackTask();
      const response = await sut
        .http()
        .post(`/v1/callbacks/${task.callbackId}`)
        .set('Content-Type', contentType)
        .send(payload)
        .expect(200);
      const result = { statusCode: 200, headers: {}, ...encoded, duration: 0 };
      expect(response.body).toEqual({
        task: {
          id: task.id,
          status: 'completed',
          result,
          createdAt: task.createdAt,
          completedAt: expect.any(String),
        },
      });
      expect((await getTask(task.id)).result).toEqual(result);
    });

    it.each(['application/json', 'application/octet-stream'])(
      'should refuse a body over 1 MiB sent as %s with 413 and keep the task waiting',
      async (contentType) => {
        const task = await waitingCallbackTask();
        const response = await sut
          .http()
          .post(`/v1/callbacks/${task.callbackId}`)
          .set('Content-Type', contentType)
          .send(`"${'x'.repeat(1024 * 1024 - 1)}"`)
          .expect(413);
        expect(response.body).toEqual({ error: 'Callback body must be at most 1 MiB' });
        expect((await getTask(task.id)).status).toBe('waiting');
        const exactly = `"${'x'.repeat(1024 * 1024 - 2)}"`;
        const accepted = await sut
          .http()
          .post(`/v1/callbacks/${task.callbackId}`)
          .set('Content-Type', contentType)
          .send(exactly)
          .expect(200);
        expect(accepted.body.task.result.body).toHaveLength(1024 * 1024);
      },
    );

    it('should let exactly one of two simultaneous callbacks win', async () => {
      const created = await create({ targetUrl: sink.url('/x?cb={asyncqueue_callback_url}'), maxWaitTime: 60 }).expect(
        201,
      );
      await statusOf(created.body.task.id, 'waiting');
      const responses = await Promise.all([
        callback(created.body.task.callbackId, { n: 1 }),
        callback(created.body.task.callbackId, { n: 2 }),
      ]);
      expect(responses.map((response) => response.status).sort()).toEqual([200, 404]);
      const winner = responses.find((response) => response.status === 200);
      expect(winner?.body).toEqual({
        task: {
          id: created.body.task.id,
          status: 'completed',
          result: expect.anything(),
          createdAt: created.body.task.createdAt,
          completedAt: expect.any(String),
        },
      });
      expect((await getTask(created.body.task.id)).result).toEqual(winner?.body.task.result);
    });

    it('should time out a task whose callback never comes, then answer 404', async () => {
      const created = await create({ targetUrl: sink.url('/x?cb={asyncqueue_callback_url}'), maxWaitTime: 1 }).expect(
        201,
      );
      await statusOf(created.body.task.id, 'timeout');
      await callback(created.body.task.callbackId, { late: true }).expect(404);
    });

    it('should refuse unknown and malformed ids with the same 404', async () => {
      for (const id of ['0'.repeat(64), 'nope', 'F'.repeat(64)]) {
        const response = await callback(id, {}).expect(404);
        expect(response.body).toEqual({ error: 'Invalid or expired callback ID' });
      }
    });

    // Last in this file: it spends the address's window for the minute.
    it('should limit each client address to 30 callback requests a minute', async () => {
      const statuses: number[] = [];
      let limited: { headers: Record<string, string>; body: unknown } | undefined;
      for (let i = 0; i < 61; i += 1) {
        const response = await callback('0'.repeat(64), {});
        statuses.push(response.status);
        if (response.status === 429) limited ??= response;
        else expect(response.headers['x-ratelimit-limit']).toBe('30');
      }
      expect(new Set(statuses)).toEqual(new Set([404, 429]));
      expect(limited?.body).toEqual({ error: 'Rate limit exceeded' });
      expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    });
  });
});
