import { randomBytes } from 'node:crypto';
import { ApiClient } from './helpers/api-client.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { freePort, runNode, startService, type ServiceProcess } from './helpers/service-process.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

const canary = (label: string) => `canary${label}${randomBytes(8).toString('hex')}`;
const FRAMEWORK_CONTEXTS = ['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication'];

interface LogLine {
  level: string;
  time: string;
  context?: string;
  msg: string;
  [field: string]: unknown;
}

function jsonLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

/** SPEC §12 logs, read from real server processes: what an operator sees at start, per failed task, on a bad start. */
describe('Logs (system)', () => {
  let database: TestDatabase;
  let sink: SinkServer;
  let apiKey: string;
  const vaultKey = randomVaultKey('k1');

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    sink.handler = (call, response) => {
      response.statusCode = call.path.startsWith('/fail') ? 500 : 202;
      response.end('{}');
    };
    const team = await runNode('cli.js', ['teams', 'create', '--name', 'logs'], {
      ...database.env,
      VAULT_KEYS: vaultKey,
    });
    apiKey = (JSON.parse(team.stdout) as { apiKey: string }).apiKey;
  }, 60_000);

  afterAll(async () => {
    await sink?.close();
    await database?.drop();
  });

  const start = (env: Record<string, string> = {}) =>
    startService({
      ...database.env,
      VAULT_KEYS: vaultKey,
      ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
      EXECUTOR_POLL_INTERVAL_MS: '100',
      ...env,
    });

  describe('a running server with JSON logs (stdout is not a terminal)', () => {
    let service: ServiceProcess;
    let client: ApiClient;

    beforeAll(async () => {
      service = await start();
      client = new ApiClient(service.url, apiKey);
    }, 60_000);

    afterAll(async () => {
      await service?.kill('SIGTERM');
    });

    const lines = () => jsonLines(service.stdout());
    const endingLines = (taskId: string) => lines().filter((line) => line.taskId === taskId);
    const settled = (id: string, statuses: string[]) =>
      waitFor(
        async () => {
          const task = await client.task(id);
          return statuses.includes(task.status) ? task : undefined;
        },
        15_000,
        `task ${id} to reach ${statuses.join('/')}`,
      );

    it('should say once where it listens, with level names and ISO times, and keep the framework at debug', () => {
      const all = lines();
      const listening = all.filter((line) => line.msg.startsWith('AsyncQueue listening on'));
      expect(listening).toEqual([
        expect.objectContaining({
          level: 'info',
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          msg: `AsyncQueue listening on http://0.0.0.0:${service.port} (api, worker)`,
        }),
      ]);
      expect(all.filter((line) => FRAMEWORK_CONTEXTS.includes(line.context ?? ''))).toEqual([]);
      const startUp = all.slice(0, all.indexOf(listening[0]) + 1);
      expect(startUp.length).toBeLessThanOrEqual(3);
    });

    it('should count requests that matched no route as unmatched while access lines are written', async () => {
      for (const path of ['/nope', '/v1/nope']) expect((await fetch(`${service.url}${path}`)).status).toBe(404);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toMatch(/asyncqueue_http_requests_total\{method="GET",route="unmatched",status="404"\} [2-9]/);
      expect(metrics).not.toContain('splat');
      expect(lines().some((line) => line.msg.startsWith('GET /v1/nope 404'))).toBe(true);
    });

    it('should write one info line for a task that fails, without header values or its URL', async () => {
      const secret = canary('vault');
      const header = canary('header');
      const query = canary('query');
      const token = await client.request<{ token: { id: string } }>('POST', '/v1/tokens', {
        name: 'logged',
        value: secret,
      });
      const id = await client.createTask({
        targetUrl: sink.url(`/fail?key=${query}`),
        headers: { Authorization: token.body.token.id, 'X-Canary': header },
        maxRetries: 1,
        retryBackoff: 'linear',
      });
      await settled(id, ['failed']);
      const logged = await waitFor(() => endingLines(id)[0], 5_000, 'the failure line');
      expect(logged).toMatchObject({
        level: 'info',
        context: 'Tasks',
        msg: `Task ${id} in queue "default" failed (attempt 2, HTTP 500)`,
        queue: 'default',
        taskId: id,
        status: 'failed',
        httpStatus: 500,
        attempt: 2,
      });
      expect(endingLines(id)).toHaveLength(1);
      expect(sink.callsTo('/fail')).toHaveLength(2);
      for (const value of [secret, header, query]) expect(service.output()).not.toContain(value);
    });

    it('should write one info line for a task that times out waiting, and for one failed by signal', async () => {
      const waiting = await client.createTask({ targetUrl: sink.url('/ok'), waitForSignal: true, maxWaitTime: 1 });
      const created = await client.request<{ task: { id: string }; signalToken: string }>('POST', '/v1/tasks', {
        targetUrl: sink.url('/ok'),
        waitForSignal: true,
      });
      const signalled = created.body.task.id;
      await settled(signalled, ['waiting']);
      const signal = await fetch(`${service.url}/v1/signals/${created.body.signalToken}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ status: 'failed', error: 'the provider gave up' }),
      });
      expect(signal.status).toBe(200);
      await settled(waiting, ['timeout']);
      expect(await waitFor(() => endingLines(waiting)[0], 5_000, 'the timeout line')).toMatchObject({
        level: 'info',
        msg: `Task ${waiting} in queue "default" timed out (attempt 1)`,
        queue: 'default',
        status: 'timeout',
        httpStatus: null,
        attempt: 1,
      });
      expect(endingLines(signalled)).toEqual([
        expect.objectContaining({
          level: 'info',
          msg: `Task ${signalled} in queue "default" failed (attempt 1)`,
          queue: 'default',
          status: 'failed',
        }),
      ]);
    });

    // On PGlite the second process is refused earlier, by the data directory's lock.
    (testDatabaseKind() === 'postgres' ? it : it.skip)(
      'should refuse a second server on the same port with one line and exit 1',
      async () => {
        const second = await runNode('main.js', [], {
          ...database.env,
          VAULT_KEYS: vaultKey,
          PORT: String(service.port),
        });
        expect(second.code).toBe(1);
        // `:::port` where the host has IPv6, `0.0.0.0:port` where it has not.
        expect(second.stderr).toMatch(
          new RegExp(`^AsyncQueue failed to start: listen EADDRINUSE: address already in use \\S+:${service.port}\n$`),
        );
        expect(jsonLines(second.stdout).filter((line) => line.level === 'error')).toEqual([]);
        expect(second.stdout).not.toContain('    at ');
      },
      60_000,
    );
  });

  it('should write readable lines without colour codes with LOG_FORMAT=pretty', async () => {
    const service = await start({ LOG_FORMAT: 'pretty', WORKER_ENABLED: 'false' });
    try {
      await waitFor(() => service.stdout().includes('listening'), 5_000, 'the listening line');
      const lines = service.stdout().split('\n').filter(Boolean);
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            String.raw`^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: AsyncQueue listening on http://0\.0\.0\.0:${service.port} \(api\)$`,
          ),
        ),
      );
      expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
      expect(service.stdout()).not.toContain('\u001b[');
      await waitFor(() => /INFO: GET \/health 200 \d+ms/.test(service.stdout()), 5_000, 'a readable access line');
    } finally {
      await service.kill('SIGTERM');
    }
  }, 60_000);

  it("should write the framework's start-up lines at LOG_LEVEL=debug", async () => {
    const service = await start({ LOG_LEVEL: 'debug', API_ENABLED: 'false', WORKER_ENABLED: 'false' });
    try {
      const lines = jsonLines(service.stdout());
      expect(lines).toContainEqual(expect.objectContaining({ level: 'debug', context: 'InstanceLoader' }));
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 'info',
          msg: `AsyncQueue listening on http://0.0.0.0:${service.port} (health and metrics only)`,
        }),
      );
    } finally {
      await service.kill('SIGTERM');
    }
  }, 60_000);

  it.each([
    [{ PORT: 'abc' }, 'Invalid configuration: PORT must be an integer between 1 and 65535 (got "abc")'],
    [{ LOG_FORMAT: 'xml' }, 'Invalid configuration: LOG_FORMAT must be one of json, pretty, auto'],
  ])('should refuse the bad configuration %j with one line on stderr and exit 1', async (env, message) => {
    const result = await runNode('main.js', [], { ...database.env, ...env });
    expect(result).toEqual({ code: 1, stdout: '', stderr: `${message}\n` });
  });

  it.each([
    ['the server', 'main.js', [], 'AsyncQueue failed to start: '],
    ['the CLI', 'cli.js', ['teams', 'list'], ''],
  ])(
    'should report an unreachable database from %s with one line on stderr and exit 1',
    async (_who, script, args, prefix) => {
      const port = await freePort();
      const result = await runNode(script, args, {
        DATABASE_URL: `postgres://root@127.0.0.1:${port}/asyncqueue`,
        VAULT_KEYS: vaultKey,
      });
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr: `${prefix}cannot reach the database (connect ECONNREFUSED 127.0.0.1:${port})\n`,
      });
    },
    30_000,
  );
});
