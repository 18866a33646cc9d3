import pg from 'pg';
import { ApiClient } from './helpers/api-client.js';
import { FakeReplicate } from './helpers/fake-providers.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';
import { waitFor } from './helpers/sink-server.js';

/** Polling survives its worker: whole processes on real PostgreSQL, killed in the middle of polling. */
(testDatabaseKind() === 'postgres' ? describe : describe.skip)('Polling across worker restarts (system)', () => {
  let database: TestDatabase;
  let replicate: FakeReplicate;
  let api: ServiceProcess;
  let client: ApiClient;
  let db: pg.Client;
  const workers: ServiceProcess[] = [];
  let baseEnv: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    replicate = await FakeReplicate.start();
    baseEnv = {
      ...database.env,
      VAULT_KEYS: randomVaultKey('sys'),
      ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
      LOG_LEVEL: 'info',
    };
    api = await startService({ ...baseEnv, WORKER_ENABLED: 'false' });
    const created = await runNode('cli.js', ['teams', 'create', '--name', 'polling'], baseEnv);
    expect(created.code).toBe(0);
    client = new ApiClient(api.url, (JSON.parse(created.stdout) as { apiKey: string }).apiKey);
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await api?.kill('SIGKILL');
    await db?.end();
    await replicate?.close();
    await database?.drop();
  });

  async function startWorker(): Promise<ServiceProcess> {
    const worker = await startService({ ...baseEnv, API_ENABLED: 'false' });
    workers.push(worker);
    return worker;
  }

  const statusChecks = () => replicate.server.calls.filter((call) => call.method === 'GET').length;

  it('should keep polling after its worker is killed, then after a graceful stop, and complete once', async () => {
    replicate.checksUntilDone = 1_000_000;
    replicate.finalStatus = 'succeeded';
    const first = await startWorker();
    const id = await client.createTask({
      targetUrl: replicate.submitUrl,
      pollConfig: {
        urlTemplate: '{startResult.body.urls.get}',
        statusPath: 'status',
        doneValues: ['succeeded'],
        failValues: ['failed'],
        interval: 1,
        resultPath: 'output',
      },
      maxWaitTime: 300,
    });
    await waitFor(() => statusChecks() >= 2 || undefined, 30_000, 'two status checks');

    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    const afterKill = statusChecks();
    const { rows } = await db.query<{ status: string }>('SELECT status FROM tasks WHERE id = $1', [id]);
    expect(rows[0].status).toBe('polling');

    const second = await startWorker();
    await waitFor(() => statusChecks() >= afterKill + 2 || undefined, 40_000, 'status checks by the second worker');
    expect((await client.task(id)).status).toBe('polling');
    expect(await second.kill('SIGTERM')).toBe('SIGTERM');
    expect((await client.task(id)).status).toBe('polling');

    replicate.checksUntilDone = 0;
    await startWorker();
    const done = await waitFor(
      async () => {
        const task = await client.task(id);
        return task.status === 'polling' ? undefined : task;
      },
      40_000,
      'the task to finish',
    );
    expect(done).toMatchObject({ status: 'completed', result: replicate.output, error: null });
    const attempts = await db.query('SELECT * FROM task_attempts WHERE task_id = $1', [id]);
    expect(attempts.rows).toHaveLength(1);
  }, 150_000);
});
