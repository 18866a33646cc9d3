import pg from 'pg';
import { ApiClient } from './helpers/api-client.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

interface Made {
  taskId: string;
  dueAt: number;
  worker: number;
}

/**
 * Exactly once per due time with several processes (SPEC §10): three worker processes race for a
 * schedule that is due every second; the one that fired last is killed and the others go on.
 */
(testDatabaseKind() === 'postgres' ? describe : describe.skip)('Schedules across processes (system)', () => {
  let database: TestDatabase;
  let sink: SinkServer;
  let api: ServiceProcess;
  let client: ApiClient;
  let db: pg.Client;
  let env: Record<string, string>;
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    env = {
      ...database.env,
      VAULT_KEYS: randomVaultKey('sys'),
      ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
      RATE_LIMIT_PER_MINUTE: '1000000',
    };
    api = await startService({ ...env, WORKER_ENABLED: 'false' });
    const created = await runNode('cli.js', ['teams', 'create', '--name', 'schedules'], env);
    expect(created.code).toBe(0);
    client = new ApiClient(api.url, (JSON.parse(created.stdout) as { apiKey: string }).apiKey);
    db = new pg.Client({ connectionString: database.url });
    await db.connect();
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await api?.kill('SIGKILL');
    await db?.end();
    await sink?.close();
    await database?.drop();
  });

  /** What each worker's log says it made: one debug line per task (ScheduleLoop). */
  function madeBy(scheduleId: string): Made[] {
    const line = new RegExp(`Schedule ${scheduleId} made task ([0-9a-f-]{36}) for (\\S+Z)`, 'g');
    return workers.flatMap((worker, index) =>
      [...worker.output().matchAll(line)].map((match) => ({
        taskId: match[1],
        dueAt: Date.parse(match[2]),
        worker: index,
      })),
    );
  }

  async function tasksOf(scheduleId: string): Promise<{ id: string; dueAt: number; createdAt: number }[]> {
    const { rows } = await db.query<{ id: string; scheduled_for: Date; created_at: Date }>(
      'SELECT id, scheduled_for, created_at FROM tasks WHERE schedule_id = $1 ORDER BY scheduled_for',
      [scheduleId],
    );
    return rows.map((row) => ({ id: row.id, dueAt: row.scheduled_for.getTime(), createdAt: row.created_at.getTime() }));
  }

  it('should make one task per second from three processes, and keep going when the last firer is killed', async () => {
    workers.push(
      ...(await Promise.all([0, 1, 2].map(() => startService({ ...env, API_ENABLED: 'false', LOG_LEVEL: 'debug' })))),
    );
    const created = await client.request<{ schedule: { id: string } }>('POST', '/v1/schedules', {
      cron: '* * * * * *',
      task: { targetUrl: sink.url('/tick'), method: 'GET' },
    });
    expect(created.status).toBe(201);
    const scheduleId = created.body.schedule.id;

    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const beforeKill = await tasksOf(scheduleId);
    expect(beforeKill.length).toBeGreaterThanOrEqual(9);
    // One task per second: consecutive due times, none twice, none skipped, each made on time.
    expect(beforeKill.slice(1).map((task, i) => task.dueAt - beforeKill[i].dueAt)).toEqual(
      beforeKill.slice(1).map(() => 1000),
    );
    for (const task of beforeKill) expect(task.createdAt - task.dueAt).toBeLessThan(1000);

    const made = madeBy(scheduleId);
    const last = made.reduce((latest, one) => (one.dueAt > latest.dueAt ? one : latest));
    const killedAt = Date.now();
    await workers[last.worker].kill('SIGKILL');

    const firstAfterKill = Math.ceil((killedAt + 1) / 1000) * 1000;
    await waitFor(
      async () => (await tasksOf(scheduleId)).some((task) => task.dueAt >= firstAfterKill + 3000) || undefined,
      15_000,
      'the schedule to go on firing after the kill',
    );
    const all = await tasksOf(scheduleId);
    const resumed = all.find((task) => task.dueAt >= firstAfterKill);
    expect(resumed).toBeDefined();
    expect((resumed?.createdAt ?? Infinity) - killedAt).toBeLessThan(2000);
    // Across the kill too: consecutive due times, each once.
    expect(new Set(all.map((task) => task.dueAt)).size).toBe(all.length);
    expect(all.slice(1).map((task, i) => task.dueAt - all[i].dueAt)).toEqual(all.slice(1).map(() => 1000));

    // Every task is claimed in exactly one process's log, and none after the kill by the killed one.
    const logged = madeBy(scheduleId);
    expect(logged.map((one) => one.taskId).sort()).toEqual(all.map((task) => task.id).sort());
    expect(logged.filter((one) => one.worker === last.worker && one.dueAt >= firstAfterKill)).toEqual([]);
    expect(new Set(logged.map((one) => one.worker)).size).toBeGreaterThanOrEqual(2);

    // The tasks are ordinary tasks: the workers call the target.
    await waitFor(() => sink.callsTo('/tick').length >= 5 || undefined, 15_000, 'calls of the scheduled tasks');
    await client.request('DELETE', `/v1/schedules/${scheduleId}`);
  }, 120_000);
});
