import pg from 'pg';
import { ApiClient } from './helpers/api-client.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';
import { SinkServer, waitFor, type ReceivedCall } from './helpers/sink-server.js';

const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled'];

/** The most arrivals in any window of `periodMs` (each window starting at an arrival). */
function maxInAnyWindow(times: number[], periodMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i += 1) {
    while (j < sorted.length && sorted[j] < sorted[i] + periodMs) j += 1;
    best = Math.max(best, j - i);
  }
  return best;
}

/**
 * SPEC §9 flow control with two worker processes on one PostgreSQL database and a local target
 * that records arrival times: limits hold across processes, throttling defers without failing.
 */
(testDatabaseKind() === 'postgres' ? describe : describe.skip)('Queues and flow control (system)', () => {
  let database: TestDatabase;
  let sink: SinkServer;
  let api: ServiceProcess;
  let client: ApiClient;
  let db: pg.Client;
  const workers: ServiceProcess[] = [];
  let baseEnv: Record<string, string>;
  /** Calls of each path prefix in flight at the target right now, and the most seen. */
  const open = new Map<string, number>();
  const most = new Map<string, number>();
  let hold: (call: ReceivedCall) => Promise<void> = () => Promise.resolve();
  let answer: (call: ReceivedCall) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    sink.handler = async (call, response) => {
      const prefix = call.path.split('/')[1];
      open.set(prefix, (open.get(prefix) ?? 0) + 1);
      most.set(prefix, Math.max(most.get(prefix) ?? 0, open.get(prefix) ?? 0));
      await hold(call);
      const { status, headers = {} } = answer(call);
      open.set(prefix, (open.get(prefix) ?? 1) - 1);
      response.writeHead(status, headers);
      response.end('{"ok":true}');
    };
    baseEnv = {
      ...database.env,
      VAULT_KEYS: randomVaultKey('q'),
      ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
      RATE_LIMIT_PER_MINUTE: '1000000',
      EXECUTOR_POLL_INTERVAL_MS: '200',
    };
    api = await startService({ ...baseEnv, WORKER_ENABLED: 'false' });
    const created = await runNode('cli.js', ['teams', 'create', '--name', 'queues'], baseEnv);
    expect(created.code).toBe(0);
    client = new ApiClient(api.url, (JSON.parse(created.stdout) as { apiKey: string }).apiKey);
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
    workers.push(
      await startService({ ...baseEnv, API_ENABLED: 'false' }),
      await startService({ ...baseEnv, API_ENABLED: 'false' }),
    );
  }, 120_000);

  afterEach(() => {
    hold = () => Promise.resolve();
    answer = () => ({ status: 200 });
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await api?.kill('SIGKILL');
    await db?.end();
    await sink?.close();
    await database?.drop();
  });

  async function putQueue(name: string, settings: Record<string, unknown>): Promise<void> {
    const response = await client.request('PUT', `/v1/queues/${name}`, settings);
    expect(response.status).toBe(200);
  }

  async function createMany(count: number, body: (i: number) => Record<string, unknown>): Promise<string[]> {
    const response = await client.request<{ tasks: { id: string }[] }>('POST', '/v1/tasks/batch', {
      tasks: Array.from({ length: count }, (_, i) => body(i)),
    });
    expect(response.status).toBe(201);
    return response.body.tasks.map((task) => task.id);
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

  it('should never have more than `concurrency` calls of a queue in flight across two workers', async () => {
    await putQueue('narrow', { concurrency: 3 });
    hold = () => new Promise((resolve) => setTimeout(resolve, 150));
    const ids = await createMany(30, (i) => ({ targetUrl: sink.url(`/narrow/${i}`), queue: 'narrow' }));
    await settled(ids, 60_000);
    expect(sink.callsTo('/narrow/')).toHaveLength(30);
    expect(most.get('narrow')).toBe(3);
  }, 90_000);

  it('should never start more than `limit` calls in any rolling period across two workers', async () => {
    await putQueue('metered', { rateLimit: { limit: 5, period: 1 } });
    const ids = await createMany(25, (i) => ({ targetUrl: sink.url(`/metered/${i}`), queue: 'metered' }));
    const started = Date.now();
    await settled(ids, 60_000);
    const arrivals = sink.callsTo('/metered/').map((call) => call.at);
    expect(arrivals).toHaveLength(25);
    expect(maxInAnyWindow(arrivals, 1000)).toBeLessThanOrEqual(5);
    // 25 starts at 5 a second: the last cannot start before 4 s, and should not lag far behind.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4000);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 90_000);

  it('should make no call of a paused queue, and start all its due tasks within a second of resume', async () => {
    await putQueue('held', { paused: true });
    const ids = await createMany(10, (i) => ({ targetUrl: sink.url(`/held/${i}`), queue: 'held' }));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(sink.callsTo('/held/')).toHaveLength(0);
    const queue = await client.request<{ queue: { paused: boolean; counts: { pending: number } } }>(
      'GET',
      '/v1/queues/held',
    );
    expect(queue.body.queue).toMatchObject({ paused: true, counts: { pending: 10 } });
    const resumedAt = Date.now();
    expect((await client.request('POST', '/v1/queues/held/resume')).status).toBe(200);
    await waitFor(() => sink.callsTo('/held/').length === 10 || undefined, 5000, 'calls after resume');
    expect(Math.max(...sink.callsTo('/held/').map((call) => call.at)) - resumedAt).toBeLessThan(1000);
    await settled(ids, 10_000);
  }, 60_000);

  it('should defer a throttled task by Retry-After (seconds or HTTP date) without using a retry', async () => {
    let first = true;
    answer = (call) => {
      if (!call.path.startsWith('/slowdown/') || !first) return { status: 200 };
      first = false;
      return { status: 429, headers: { 'Retry-After': '2' } };
    };
    const [id] = await createMany(1, () => ({ targetUrl: sink.url('/slowdown/1'), maxRetries: 0 }));
    await settled([id], 20_000);
    const [a, b] = sink.callsTo('/slowdown/').map((call) => call.at);
    expect(b - a).toBeGreaterThanOrEqual(2000);
    const task = await client.task(id);
    expect(task).toMatchObject({ status: 'completed', retryCount: 0, throttledCount: 1, queue: 'default' });

    let dated = true;
    answer = (call) => {
      if (!call.path.startsWith('/dated/') || !dated) return { status: 200 };
      dated = false;
      return { status: 503, headers: { 'Retry-After': new Date(Date.now() + 3000).toUTCString() } };
    };
    const [other] = await createMany(1, () => ({ targetUrl: sink.url('/dated/1'), maxRetries: 0 }));
    await settled([other], 20_000);
    const [c, d] = sink.callsTo('/dated/').map((call) => call.at);
    // An HTTP date has whole seconds: at least 2 s of the 3 asked for.
    expect(d - c).toBeGreaterThanOrEqual(2000);
    expect(await client.task(other)).toMatchObject({ status: 'completed', retryCount: 0, throttledCount: 1 });
    for (const worker of workers) expect(worker.output()).not.toContain('Retry-After');
  }, 60_000);

  it('should hold a governed queue as a whole while it cools down after a 429', async () => {
    await putQueue('provider', { concurrency: 1 });
    let throttledOnce = false;
    answer = (call) => {
      if (!call.path.startsWith('/provider/') || throttledOnce) return { status: 200 };
      throttledOnce = true;
      return { status: 429, headers: { 'Retry-After': '2' } };
    };
    const ids = await createMany(4, (i) => ({ targetUrl: sink.url(`/provider/${i}`), queue: 'provider' }));
    await waitFor(() => sink.callsTo('/provider/').length >= 1 || undefined, 10_000, 'the first call');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const cooling = await client.request<{ queue: { cooldownUntil: string | null } }>('GET', '/v1/queues/provider');
    expect(cooling.body.queue.cooldownUntil).not.toBeNull();
    await settled(ids, 30_000);
    const [throttledAt, next] = sink.callsTo('/provider/').map((call) => call.at);
    expect(next - throttledAt).toBeGreaterThanOrEqual(1900);
  }, 60_000);

  it('should give back the slots of a SIGKILLed worker when its leases expire, and run its tasks', async () => {
    await putQueue('fragile', { concurrency: 2 });
    let stuck = true;
    hold = async (call) => {
      while (stuck && call.path.startsWith('/fragile/')) await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const ids = await createMany(4, (i) => ({ targetUrl: sink.url(`/fragile/${i}`), queue: 'fragile' }));
    await waitFor(() => sink.callsTo('/fragile/').length >= 2 || undefined, 10_000, 'two calls in flight');
    const inFlight = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tasks WHERE queue = 'fragile' AND lease_owner IS NOT NULL
             AND lease_expires_at > now()`,
        )
      ).rows[0].n;
    expect(await inFlight()).toBe(2);
    await Promise.all(workers.splice(0).map((worker) => worker.kill('SIGKILL')));
    stuck = false;
    await waitFor(async () => ((await inFlight()) === 0 ? true : undefined), 30_000, 'slots to come back');
    workers.push(await startService({ ...baseEnv, API_ENABLED: 'false' }));
    await settled(ids, 40_000);
    expect(
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM tasks WHERE id = ANY($1) AND status = 'completed'`,
          [ids],
        )
      ).rows[0].n,
    ).toBe(4);
  }, 120_000);
});
