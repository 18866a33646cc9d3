import pg from 'pg';
import { ApiClient } from './helpers/api-client.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

/** About 1.7 seconds, in days: TASK_RETENTION_DAYS takes fractions so this can run in a test. */
const RETENTION_DAYS = '0.00002';

/**
 * Retention in real processes (SPEC §11): two worker processes on one PostgreSQL sweep on their
 * own every second (taking turns through the advisory lock, see lifecycle.e2e-spec); finished
 * tasks and their attempts go once retention has passed, unfinished ones stay.
 */
(testDatabaseKind() === 'postgres' ? describe : describe.skip)('Data lifecycle across processes (system)', () => {
  let database: TestDatabase;
  let sink: SinkServer;
  const services: ServiceProcess[] = [];
  let client: ApiClient;
  let db: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    const env = {
      ...database.env,
      VAULT_KEYS: randomVaultKey('sys'),
      ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
      RATE_LIMIT_PER_MINUTE: '1000000',
      TASK_RETENTION_DAYS: RETENTION_DAYS,
      SWEEP_INTERVAL_SECONDS: '1',
    };
    const created = await runNode('cli.js', ['teams', 'create', '--name', 'lifecycle'], env);
    expect(created.code).toBe(0);
    services.push(await startService(env), await startService(env));
    client = new ApiClient(services[0].url, (JSON.parse(created.stdout) as { apiKey: string }).apiKey);
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 90_000);

  afterAll(async () => {
    await db?.end();
    await Promise.all(services.map((service) => service.kill('SIGTERM')));
    await sink?.close();
    await database?.drop();
  });

  it('should delete finished tasks with their attempts once retention passes, and keep the rest', async () => {
    const finished = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.createTask({ targetUrl: sink.url(`/done/${i}`) })),
    );
    const later = await client.createTask({
      targetUrl: sink.url('/later'),
      delayUntil: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await waitFor(
      async () => (await Promise.all(finished.map((id) => client.task(id)))).every((t) => t.status === 'completed'),
      15_000,
      'the tasks to complete',
    );
    const [{ attempts }] = (
      await db.query<{ attempts: number }>(
        `SELECT count(*)::int AS attempts FROM task_attempts WHERE task_id = ANY($1::uuid[])`,
        [finished],
      )
    ).rows;
    expect(attempts).toBe(finished.length);

    await waitFor(
      async () => {
        const statuses = await Promise.all(
          finished.map(async (id) => (await client.request('GET', `/v1/tasks/${id}`)).status),
        );
        return statuses.every((status) => status === 404);
      },
      15_000,
      'retention to delete the finished tasks',
    );
    const left = await db.query<{ tasks: number; attempts: number }>(
      `SELECT (SELECT count(*) FROM tasks WHERE id = ANY($1::uuid[]))::int AS tasks,
              (SELECT count(*) FROM task_attempts WHERE task_id = ANY($1::uuid[]))::int AS attempts`,
      [finished],
    );
    expect(left.rows[0]).toEqual({ tasks: 0, attempts: 0 });
    expect((await client.task(later)).status).toBe('delayed');
    for (const service of services) expect(service.output()).not.toContain('Lifecycle sweep failed');
  }, 60_000);
});
