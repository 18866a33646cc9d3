import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { ApiClient } from './helpers/api-client.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled'];

/** Whole processes on real PostgreSQL (several processes cannot share the embedded database). */
(testDatabaseKind() === 'postgres' ? describe : describe.skip)('Executor (system)', () => {
  let database: TestDatabase;
  let sink: SinkServer;
  let api: ServiceProcess;
  let client: ApiClient;
  let apiKey: string;
  let db: pg.Client;
  const workers: ServiceProcess[] = [];
  const vaultKeys = randomVaultKey('sys');
  let baseEnv: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    baseEnv = {
      ...database.env,
      VAULT_KEYS: vaultKeys,
      ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'debug',
    };
    api = await startService({ ...baseEnv, WORKER_ENABLED: 'false' });
    const created = await runNode('cli.js', ['teams', 'create', '--name', 'system'], baseEnv);
    expect(created.code).toBe(0);
    apiKey = (JSON.parse(created.stdout) as { apiKey: string }).apiKey;
    client = new ApiClient(api.url, apiKey);
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 120_000);

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
    sink.handler = (_call, response) => {
      response.end('{"ok":true}');
    };
  });

  afterAll(async () => {
    await api?.kill('SIGKILL');
    await db?.end();
    await sink?.close();
    await database?.drop();
  });

  async function startWorker(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const worker = await startService({
      ...baseEnv,
      API_ENABLED: 'false',
      ...env,
    });
    workers.push(worker);
    return worker;
  }

  async function statusCounts(ids: string[]): Promise<Record<string, number>> {
    const { rows } = await db.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) GROUP BY status',
      [ids],
    );
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  async function settled(ids: string[], timeoutMs: number): Promise<void> {
    await waitFor(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tasks WHERE id = ANY($1::uuid[]) AND status = ANY($2)`,
          [ids, TERMINAL],
        );
        return rows[0].n === ids.length || undefined;
      },
      timeoutMs,
      `${ids.length} tasks to finish`,
    );
  }

  async function createMany(count: number, body: (i: number) => Record<string, unknown>): Promise<string[]> {
    const ids: string[] = [];
    for (let start = 0; start < count; start += 25) {
      const batch = Array.from({ length: Math.min(25, count - start) }, (_, j) => client.createTask(body(start + j)));
      ids.push(...(await Promise.all(batch)));
    }
    return ids;
  }

  it('should drain 1,000 tasks across three workers, each delivered exactly once', async () => {
    const ids = await createMany(1000, (i) => ({
      targetUrl: sink.url(`/drain/${i}`),
      body: `{"i":${i}}`,
    }));
    const drainers = await Promise.all([startWorker(), startWorker(), startWorker()]);
    await settled(ids, 90_000);
    expect(await statusCounts(ids)).toEqual({ completed: 1000 });
    const delivered = sink.callsTo('/drain/').map((call) => call.headers['x-asyncqueue-task-id'] as string);
    expect(delivered).toHaveLength(1000);
    expect(new Set(delivered)).toEqual(new Set(ids));
    // 32 calls in flight share one shutdown signal; Node must not take that for a listener leak.
    for (const worker of drainers) expect(worker.output()).not.toContain('MaxListenersExceededWarning');
  }, 120_000);

  it('should run a SIGKILLed worker’s tasks again and finish them within 60 s', async () => {
    let release = false;
    sink.handler = async (call, response) => {
      while (call.path.startsWith('/crash') && !release) await new Promise((r) => setTimeout(r, 50));
      response.end('ok');
    };
    const doomed = await startWorker();
    const ids = await createMany(5, (i) => ({
      targetUrl: sink.url(`/crash/${i}`),
    }));
    await waitFor(() => sink.callsTo('/crash').length >= 5 || undefined, 15_000, 'calls to start');
    await doomed.kill('SIGKILL');
    const killedAt = Date.now();
    release = true;
    await startWorker();
    await settled(ids, 60_000);
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    expect(await statusCounts(ids)).toEqual({ completed: 5 });
    const perTask = new Set(sink.callsTo('/crash').map((call) => call.headers['x-asyncqueue-task-id']));
    expect(perTask).toEqual(new Set(ids));
    const { rows } = await db.query<{ error: string }>(
      `SELECT error FROM task_attempts WHERE task_id = ANY($1::uuid[]) AND error IS NOT NULL`,
      [ids],
    );
    expect(rows.map((row) => row.error)).toContain('Worker lost its lease; attempt abandoned');
  }, 90_000);

  it('should leave no task processing after SIGTERM, handing unfinished calls back at once', async () => {
    sink.handler = async (call, response) => {
      await new Promise((r) => setTimeout(r, call.path.startsWith('/long') ? 8000 : 300));
      response.end('ok');
    };
    const worker = await startWorker({ SHUTDOWN_GRACE_SECONDS: '2' });
    const quick = await createMany(3, (i) => ({
      targetUrl: sink.url(`/quick/${i}`),
    }));
    const long = await createMany(3, (i) => ({
      targetUrl: sink.url(`/long/${i}`),
    }));
    await waitFor(() => sink.callsTo('/long').length >= 3 || undefined, 15_000, 'long calls to start');
    await waitFor(async () => ((await statusCounts(quick)).completed === 3 ? true : undefined), 15_000, 'quick calls');
    const started = Date.now();
    // Nest re-raises the signal once shutdown is done, so a clean stop ends by SIGTERM, not a crash.
    expect(await worker.kill('SIGTERM')).toBe('SIGTERM');
    expect(Date.now() - started).toBeLessThan(10_000);
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM tasks WHERE status = 'processing'`);
    expect(rows[0].n).toBe(0);
    expect(await statusCounts(long)).toEqual({ pending: 3 });
    expect(worker.output()).toContain('Handed back 3 unfinished task(s) on shutdown');
    await db.query(`UPDATE tasks SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, [long]);
  }, 60_000);

  it('should run higher priority first, then earlier due time, with one slot', async () => {
    const priorities = [1, 5, 10, 5, 3, 10];
    const ids: string[] = [];
    for (const [i, priority] of priorities.entries()) {
      ids.push(
        await client.createTask({
          targetUrl: sink.url(`/prio/${i}`),
          priority,
        }),
      );
    }
    await startWorker({ EXECUTOR_CONCURRENCY: '1' });
    await settled(ids, 30_000);
    const order = sink.callsTo('/prio/').map((call) => Number(call.path.split('/')[2]));
    expect(order).toEqual([2, 5, 1, 3, 4, 0]);
  }, 60_000);

  it('should never start a delayed task early', async () => {
    await startWorker();
    const delayUntil = new Date(Date.now() + 2500);
    const id = await client.createTask({
      targetUrl: sink.url('/delayed'),
      delayUntil: delayUntil.toISOString(),
    });
    expect((await client.task(id)).status).toBe('delayed');
    await settled([id], 15_000);
    const [call] = sink.callsTo('/delayed');
    expect(call.at).toBeGreaterThanOrEqual(delayUntil.getTime());
    expect(call.at - delayUntil.getTime()).toBeLessThan(1500);
  }, 30_000);

  it('should wake an idle worker the moment a task is created, with or without an idempotency key', async () => {
    // A fallback poll this long would fail the test: only the NOTIFY can start these in time.
    await startWorker({ EXECUTOR_POLL_INTERVAL_MS: '60000' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const plainAt = Date.now();
    const plain = await client.createTask({ targetUrl: sink.url('/wake/plain') });
    await settled([plain], 10_000);
    const keyedAt = Date.now();
    const keyed = await client.createTask({ targetUrl: sink.url('/wake/keyed') }, { 'Idempotency-Key': 'wake-1' });
    await settled([keyed], 10_000);
    expect(sink.callsTo('/wake/plain')[0].at - plainAt).toBeLessThan(5_000);
    expect(sink.callsTo('/wake/keyed')[0].at - keyedAt).toBeLessThan(5_000);
  }, 30_000);

  it('should start a task announced while every slot was taken as soon as a slot frees', async () => {
    sink.handler = (call, response) => {
      setTimeout(() => response.end('{"ok":true}'), call.path.startsWith('/busy/slow') ? 700 : 0);
    };
    await startWorker({ EXECUTOR_POLL_INTERVAL_MS: '60000', EXECUTOR_CONCURRENCY: '1' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // One slot and one claimed-ahead place, both taken: the third is announced while the worker is full.
    const slow = [
      await client.createTask({ targetUrl: sink.url('/busy/slow/1') }),
      await client.createTask({ targetUrl: sink.url('/busy/slow/2') }),
    ];
    await waitFor(async () => (await statusCounts(slow)).processing === 2 || undefined, 5_000, 'both claimed');
    const late = await client.createTask({ targetUrl: sink.url('/busy/late') });
    await settled([...slow, late], 10_000);
    const [lastSlow] = sink.callsTo('/busy/slow/2');
    expect(sink.callsTo('/busy/late')[0].at - lastSlow.at).toBeLessThan(5_000);
  }, 30_000);

  it('should retry 5xx with linear backoff, record each attempt, then fail', async () => {
    sink.handler = (_call, response) => {
      response.statusCode = 500;
      response.end('boom');
    };
    await startWorker();
    const id = await client.createTask({
      targetUrl: sink.url('/flaky'),
      maxRetries: 2,
      retryBackoff: 'linear',
    });
    await settled([id], 20_000);
    const task = await client.task(id);
    expect(task).toMatchObject({
      status: 'failed',
      retryCount: 2,
      error: 'Server error: HTTP 500 - Internal Server Error',
    });
    const times = sink.callsTo('/flaky').map((call) => call.at);
    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
    expect(times[1] - times[0]).toBeLessThan(1900);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(1950);
    expect(times[2] - times[1]).toBeLessThan(2900);
    const attempts = await client.request<{
      attempts: { number: number; statusCode: number }[];
    }>('GET', `/v1/tasks/${id}/attempts`);
    expect(attempts.body.attempts.map((a) => [a.number, a.statusCode])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
    ]);
  }, 30_000);

  it('should use exponential backoff 1 s then 2 s', async () => {
    sink.handler = (_call, response) => {
      response.statusCode = 503;
      response.end();
    };
    await startWorker();
    const id = await client.createTask({
      targetUrl: sink.url('/expo'),
      maxRetries: 2,
    });
    await settled([id], 20_000);
    const times = sink.callsTo('/expo').map((call) => call.at);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(950);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(1950);
  }, 30_000);

  it('should complete on 4xx without retrying, keeping the result', async () => {
    sink.handler = (_call, response) => {
      response.statusCode = 404;
      response.end('nope');
    };
    await startWorker();
    const id = await client.createTask({
      targetUrl: sink.url('/missing'),
      method: 'GET',
    });
    await settled([id], 15_000);
    const task = await client.task(id);
    expect(task).toMatchObject({ status: 'completed', retryCount: 0 });
    expect(task.result).toMatchObject({ statusCode: 404, body: 'nope' });
    expect(sink.callsTo('/missing')).toHaveLength(1);
  }, 30_000);

  it('should fail an attempt that exceeds its timeout', async () => {
    sink.handler = async (_call, response) => {
      await new Promise((r) => setTimeout(r, 3000));
      response.end('late');
    };
    await startWorker();
    const id = await client.createTask({
      targetUrl: sink.url('/slow'),
      timeout: 1,
      maxRetries: 0,
    });
    await settled([id], 15_000);
    const task = await client.task(id);
    expect(task.status).toBe('failed');
    expect(task.error).toMatch(/^Timeout/);
  }, 30_000);

  it('should send the secret only to the target, signed, and nowhere else', async () => {
    const canary = `sk-canary-${Date.now()}-ZQX`;
    const token = await client.request<{ token: { id: string } }>('POST', '/v1/tokens', {
      name: 'canary',
      value: canary,
    });
    const secret = await client.request<{ webhookSecret: string }>('GET', '/v1/webhook-secret');
    const worker = await startWorker();
    const id = await client.createTask({
      targetUrl: sink.url('/secret'),
      headers: { Authorization: token.body.token.id, 'X-Other': 'plain' },
      body: '{"hello":"world"}',
      onCompleteUrl: sink.url('/done'),
    });
    await settled([id], 15_000);
    await waitFor(() => sink.callsTo('/done')[0], 10_000, 'completion webhook');
    const [call] = sink.callsTo('/secret');
    expect(call.headers.authorization).toBe(canary);
    expect(call.headers['user-agent']).toMatch(/^AsyncQueue\//);
    expect(call.headers['x-asyncqueue-attempt']).toBe('1');
    const signature = String(call.headers['x-asyncqueue-signature']);
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    const { createHmac } = await import('node:crypto');
    expect(v1).toBe(createHmac('sha256', secret.body.webhookSecret).update(`${t}.{"hello":"world"}`).digest('hex'));

    const [done] = sink.callsTo('/done');
    expect(JSON.parse(done.body)).toMatchObject({
      event: 'task.completed',
      task: { id, status: 'completed' },
    });
    expect(done.headers['x-asyncqueue-signature']).toMatch(/^t=\d+,v1=/);
    expect(JSON.stringify(await client.task(id))).not.toContain(canary);

    const dump = execFileSync('pg_dump', ['--data-only', database.url as string], {
      maxBuffer: 256 * 1024 * 1024,
    }).toString();
    expect(dump).toContain(token.body.token.id);
    expect(dump).not.toContain(canary);
    expect(dump).not.toContain(apiKey);
    expect(api.output()).not.toContain(apiKey);
    expect(client.responses.join('\n')).not.toContain(canary);
    expect(worker.output()).toContain('"level":"debug"');
    expect(worker.output()).not.toContain(canary);
    expect(api.output()).not.toContain(canary);
    const metrics = await (await fetch(`${worker.url}/metrics`)).text();
    expect(metrics).not.toContain(canary);
    expect(metrics).toContain('asyncqueue_task_attempts_total{outcome="completed"}');
    expect(metrics).toContain('asyncqueue_dispatch_latency_seconds_bucket');
  }, 60_000);

  it('should fail a task whose vault token was revoked after creation, sending nothing', async () => {
    const token = await client.request<{ token: { id: string } }>('POST', '/v1/tokens', {
      name: 'short-lived',
      value: 'v',
    });
    const id = await client.createTask({
      targetUrl: sink.url('/revoked'),
      headers: { Authorization: token.body.token.id },
    });
    await client.request('DELETE', `/v1/tokens/${token.body.token.id}`);
    await startWorker();
    await settled([id], 15_000);
    expect(await client.task(id)).toMatchObject({
      status: 'failed',
      error: `Vault token "${token.body.token.id}" was revoked`,
    });
    expect(sink.callsTo('/revoked')).toHaveLength(0);
  }, 30_000);
  describe('destination binding', () => {
    /** Loopback only: 127.0.0.1 and `localhost` (also 127.0.0.1 here) are two hosts of one machine. */
    const loopback = { ALLOWED_PRIVATE_TARGETS: '127.0.0.0/8,::1/128' };

    async function boundToken(canary: string, allowedHosts: string[]): Promise<string> {
      const token = await client.request<{ token: { id: string; allowedHosts: string[] } }>('POST', '/v1/tokens', {
        name: 'bound',
        value: canary,
        allowedHosts,
      });
      expect(token.body.token.allowedHosts).toEqual(allowedHosts);
      return token.body.token.id;
    }

    it('should send a bound token to its host, and drop it on a redirect to another host', async () => {
      const canary = `sk-bound-${Date.now()}-RDR`;
      const tokenId = await boundToken(canary, ['127.0.0.1']);
      sink.handler = (call, response) => {
        if (call.path === '/bound/hop') {
          response.writeHead(307, { Location: `http://localhost:${sink.port}/bound/landed` });
          response.end();
          return;
        }
        response.end('{"ok":true}');
      };
      const worker = await startWorker(loopback);
      const id = await client.createTask({
        targetUrl: sink.url('/bound/hop'),
        headers: { Authorization: tokenId, 'X-Api-Key': tokenId, 'X-Plain': 'kept' },
        maxRetries: 0,
      });
      await settled([id], 15_000);
      expect(await client.task(id)).toMatchObject({ status: 'completed', error: null });
      const [hop] = sink.callsTo('/bound/hop');
      expect(hop.headers.authorization).toBe(canary);
      expect(hop.headers['x-api-key']).toBe(canary);
      const [landed] = sink.callsTo('/bound/landed');
      expect(landed.headers.host).toBe(`localhost:${sink.port}`);
      expect(landed.headers['x-plain']).toBe('kept');
      expect(JSON.stringify(landed.headers)).not.toContain(canary);
      expect(worker.output()).not.toContain(canary);
    }, 30_000);

    it('should fail a task whose target host its bound token does not allow, sending nothing', async () => {
      const canary = `sk-bound-${Date.now()}-NOT`;
      const tokenId = await boundToken(canary, ['127.0.0.1']);
      const id = await client.createTask({
        targetUrl: sink.url('/bound/refused'),
        headers: { Authorization: tokenId },
      });
      // The binding changes between creation and the call (there is no API for that: it stands
      // for any way a stored binding and a stored task may disagree); the call is judged again.
      await db.query(`UPDATE vault_tokens SET allowed_hosts = '{localhost}' WHERE id = $1`, [tokenId]);
      const worker = await startWorker(loopback);
      await settled([id], 15_000);
      expect(await client.task(id)).toMatchObject({
        status: 'failed',
        error: `Vault token "${tokenId}" may not be sent to host "127.0.0.1"`,
      });
      expect(sink.callsTo('/bound/refused')).toHaveLength(0);
      expect(worker.output()).not.toContain(canary);
    }, 30_000);

    it('should forward a bound token to a status URL only when its binding admits that host', async () => {
      const canary = `sk-bound-${Date.now()}-POLL`;
      const tokenId = await boundToken(canary, ['127.0.0.1']);
      sink.handler = async (call, response) => {
        response.setHeader('Content-Type', 'application/json');
        if (call.path === '/bound/submit') {
          // Narrowed after the submit call: the status checks that follow are judged on their own.
          await db.query(`UPDATE vault_tokens SET allowed_hosts = '{localhost}' WHERE id = $1`, [tokenId]);
          response.end(JSON.stringify({ statusUrl: sink.url('/bound/status') }));
          return;
        }
        response.end('{"status":"done"}');
      };
      await startWorker(loopback);
      const id = await client.createTask({
        targetUrl: sink.url('/bound/submit'),
        headers: { Authorization: tokenId, 'X-Plain': 'kept' },
        pollConfig: {
          urlTemplate: '{startResult.body.statusUrl}',
          statusPath: 'status',
          doneValues: ['done'],
          failValues: ['failed'],
          interval: 1,
          forwardAuth: true,
        },
      });
      await settled([id], 20_000);
      expect(await client.task(id)).toMatchObject({ status: 'completed' });
      expect(sink.callsTo('/bound/submit')[0].headers.authorization).toBe(canary);
      const [status] = sink.callsTo('/bound/status');
      expect(status.headers['x-plain']).toBe('kept');
      expect(status.headers.authorization).toBeUndefined();
    }, 40_000);
  });
});
