import { jest } from '@jest/globals';
import { TaskRepository } from '../src/tasks/persistence/task.repository.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startServingTestApp, type TestApp } from './helpers/test-app.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

/**
 * SPEC §9 "overshoot over any full period: none" at the destination: a call of a rate-limited
 * queue that cannot leave the worker soon after its claim (a worker starved of CPU) is handed back
 * instead of made late, where it could bunch with the next window's calls. The starved worker is
 * stood in for by a claim whose answer arrives late.
 */
describe('Rate-limited queues: calls that cannot start in time (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp & { baseUrl: string };
  let sink: SinkServer;
  let key: string;
  const api = () => ({
    post: (path: string, body: object) => sut.http().post(path).set(bearer(key)).send(body),
    put: (path: string, body: object) => sut.http().put(path).set(bearer(key)).send(body),
    get: (path: string) => sut.http().get(path).set(bearer(key)),
  });

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    sut = await startServingTestApp(database);
    ({ key } = await sut.createTeam('rate-window'));
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await sut.close();
    await sink.close();
    await database.drop();
  });

  it('should hand back a late call without making it, keep its start counted, and make it once claims are prompt', async () => {
    const repository = sut.app.get(TaskRepository);
    const claimGated = repository.claimGated.bind(repository);
    const slowClaims = jest.spyOn(repository, 'claimGated').mockImplementation(async (...args) => {
      const claimed = await claimGated(...args);
      await new Promise((resolve) => setTimeout(resolve, 250));
      return claimed;
    });
    await api()
      .put('/v1/queues/limited', { rateLimit: { limit: 100, period: 60 } })
      .expect(200);
    const created = await api()
      .post('/v1/tasks', { targetUrl: `http://127.0.0.1:${sink.port}/late`, queue: 'limited' })
      .expect(201);
    const id = created.body.task.id as string;

    // Claimed, found late, handed back: again and again, and never called.
    await waitFor(
      async () => {
        const [row] = await sut.db.query<{ n: number }[]>(
          `SELECT coalesce(sum(n), 0)::int AS n FROM queue_starts WHERE queue = 'limited'`,
        );
        return row.n >= 2 ? row.n : undefined;
      },
      10_000,
      'two claims of the late task',
    );
    expect(sink.callsTo('/late')).toHaveLength(0);
    const waiting = (await api().get(`/v1/tasks/${id}`).expect(200)).body.task;
    // Between hand-backs it is claimed again (processing) or due (pending); never failed or retried.
    expect(['pending', 'processing']).toContain(waiting.status);
    expect(waiting.retryCount).toBe(0);
    expect((await api().get(`/v1/tasks/${id}/attempts`).expect(200)).body.attempts).toEqual([]);

    slowClaims.mockRestore();
    await waitFor(
      async () => ((await api().get(`/v1/tasks/${id}`)).body.task.status === 'completed' ? true : undefined),
      10_000,
      'the task to complete',
    );
    expect(sink.callsTo('/late')).toHaveLength(1);
    const attempts = (await api().get(`/v1/tasks/${id}/attempts`).expect(200)).body.attempts;
    expect(attempts).toEqual([expect.objectContaining({ number: 1, statusCode: 200 })]);
  });
});
