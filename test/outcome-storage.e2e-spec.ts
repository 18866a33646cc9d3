import { QueueConnections } from '../src/database/queue-connections.service.js';
import { CompletionBatcher } from '../src/executor/completion-batcher.js';
import type { AttemptOutcome } from '../src/tasks/persistence/task-lease.types.js';
import { TaskRepository } from '../src/tasks/persistence/task.repository.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startServingTestApp, startTestApp, type TestApp } from './helpers/test-app.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

interface TaskBody {
  id: string;
  status: string;
  retryCount: number;
  error: string | null;
  result: { statusCode?: number; headers?: Record<string, string>; body?: unknown; bodyEncoding?: string } | null;
}

/**
 * Whatever a target answers, its outcome is stored, and one outcome the database refuses never
 * sinks the others written with it (a NUL byte in one answer used to fail the shared outcome
 * statement, so every task in it was sent again every time its lease ran out).
 */
describe('Storing attempt outcomes (e2e)', () => {
  describe('with a worker calling real local targets', () => {
    let database: TestDatabase;
    let sut: TestApp;
    let sink: SinkServer;
    let key: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      sink = await SinkServer.start();
      sut = await startServingTestApp(database);
      ({ key } = await sut.createTeam());
    });

    afterAll(async () => {
      await sut?.close();
      await sink?.close();
      await database?.drop();
    });

    beforeEach(() => {
      sink.calls.length = 0;
    });

    const create = async (body: object): Promise<string> =>
      (await sut.http().post('/v1/tasks').set(bearer(key)).send(body).expect(201)).body.task.id as string;
    const getTask = async (id: string): Promise<TaskBody> =>
      (await sut.http().get(`/v1/tasks/${id}`).set(bearer(key)).expect(200)).body.task as TaskBody;
    const settled = (ids: string[]) =>
      waitFor(
        async () => {
          const tasks = await Promise.all(ids.map(getTask));
          return tasks.every((task) => ['completed', 'failed', 'timeout'].includes(task.status)) ? tasks : undefined;
        },
        15_000,
        'every task to finish',
      );

    it('should keep a binary answer as base64 and complete every task of its batch exactly once', async () => {
      const answers: Record<string, Buffer> = {
        '/nul': Buffer.from('ok\x00bad', 'latin1'),
        '/binary': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe, 0x00, 0x01]),
        '/text': Buffer.from('plain ünïcode text'),
      };
      sink.handler = (call, response) => {
        response.end(answers[call.path] ?? Buffer.from('{"ok":true}'));
      };
      const ids = await Promise.all([
        create({ targetUrl: sink.url('/nul'), maxRetries: 1 }),
        create({ targetUrl: sink.url('/binary'), maxRetries: 1 }),
        create({ targetUrl: sink.url('/text'), maxRetries: 1 }),
        ...Array.from({ length: 6 }, (_, i) => create({ targetUrl: sink.url(`/ordinary/${i}`), maxRetries: 1 })),
      ]);
      const tasks = await settled(ids);
      expect(tasks.map((task) => task.status)).toEqual(ids.map(() => 'completed'));
      const [nul, binary, text] = tasks;
      expect(nul.result).toMatchObject({ statusCode: 200, bodyEncoding: 'base64' });
      expect(Buffer.from(nul.result?.body as string, 'base64')).toEqual(answers['/nul']);
      expect(Buffer.from(binary.result?.body as string, 'base64')).toEqual(answers['/binary']);
      expect(text.result).toMatchObject({ body: 'plain ünïcode text' });
      expect(text.result).not.toHaveProperty('bodyEncoding');
      // Some time for any re-delivery to show: every target was called once.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(sink.calls).toHaveLength(ids.length);
    });

    it("should not store the target's cookies or credentials among the result's headers", async () => {
      sink.handler = (_call, response) => {
        response.setHeader('Set-Cookie', ['session=CANARY_COOKIE_1']);
        response.setHeader('Authorization', 'Bearer CANARY_AUTH_2');
        response.setHeader('X-Request-Id', 'kept');
        response.end('ok');
      };
      const [task] = await settled([await create({ targetUrl: sink.url('/cookies') })]);
      expect(task.result?.headers).toMatchObject({ 'x-request-id': 'kept' });
      expect(JSON.stringify(task.result)).not.toMatch(/CANARY_COOKIE_1|CANARY_AUTH_2/);
    });

    it('should finish a polling task whose status answer holds NUL instead of polling until it times out', async () => {
      sink.handler = (call, response) => {
        response.setHeader('Content-Type', 'application/json');
        response.end(
          call.method === 'POST'
            ? JSON.stringify({ statusUrl: sink.url('/job/1') })
            : '{"state":"done","output":"frame\\u0000data","note":"fine"}',
        );
      };
      const id = await create({
        targetUrl: sink.url('/submit'),
        maxWaitTime: 60,
        pollConfig: {
          urlTemplate: '{startResult.body.statusUrl}',
          statusPath: 'state',
          doneValues: ['done'],
          failValues: ['error'],
          interval: 1,
        },
      });
      const [task] = await settled([id]);
      expect(task.status).toBe('completed');
      expect(task.result).toMatchObject({ bodyEncoding: 'base64' });
      expect(JSON.parse(Buffer.from(task.result?.body as string, 'base64').toString('utf8'))).toEqual({
        state: 'done',
        output: 'frame\u0000data',
        note: 'fine',
      });
    });

    it("should store a provider's failure reason that holds NUL", async () => {
      sink.handler = (call, response) => {
        response.setHeader('Content-Type', 'application/json');
        response.end(
          call.method === 'POST'
            ? JSON.stringify({ statusUrl: sink.url('/job/2') })
            : '{"state":"error","reason":"bad\\u0000input"}',
        );
      };
      const id = await create({
        targetUrl: sink.url('/submit'),
        pollConfig: {
          urlTemplate: '{startResult.body.statusUrl}',
          statusPath: 'state',
          doneValues: ['done'],
          failValues: ['error'],
          errorPath: 'reason',
          interval: 1,
        },
      });
      const [task] = await settled([id]);
      expect(task).toMatchObject({ status: 'failed', error: 'bad\uFFFDinput' });
    });
  });

  describe('when the database refuses one outcome of a batch', () => {
    let database: TestDatabase;
    let app: TestApp;
    let store: TaskRepository;
    let key: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      app = await startTestApp(database);
      store = new TaskRepository(app.db, app.app.get(QueueConnections));
      ({ key } = await app.createTeam());
    });

    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it('should write the others, and end the refused one failed with the reason instead of leaving it to run again', async () => {
      for (let i = 0; i < 5; i += 1) {
        await app
          .http()
          .post('/v1/tasks')
          .set(bearer(key))
          .send({ targetUrl: 'https://example.com/never-called', maxRetries: 3 })
          .expect(201);
      }
      const claimed = await store.claim('00000000-0000-7000-8000-0000000000aa', 5);
      expect(claimed).toHaveLength(5);
      const now = new Date();
      const outcomes: AttemptOutcome[] = claimed.map(({ task }, i) => ({
        taskId: task.id,
        leaseToken: task.leaseToken,
        fromStatus: 'processing',
        status: 'completed',
        // jsonb cannot hold NUL: written as it is, this value fails the whole statement.
        result: { statusCode: 200, headers: {}, body: i === 2 ? 'refused\u0000' : `fine ${i}`, duration: 1 },
        keepResult: false,
        error: null,
        retryCount: 0,
        runAt: null,
        completedAt: now,
        waitDeadline: null,
        attemptStartedAt: now,
        durationMs: 1,
        statusCode: 200,
      }));
      const sut = new CompletionBatcher(store);
      const applied = await Promise.all(outcomes.map((outcome) => sut.write(outcome)));
      expect(applied).toEqual([true, true, true, true, true]);
      const rows = await app.db.query<{ id: string; status: string; error: string | null; body: string | null }[]>(
        `SELECT id, status, error, result->>'body' AS body FROM tasks WHERE id = ANY($1::uuid[])`,
        [outcomes.map((outcome) => outcome.taskId)],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      outcomes.forEach((outcome, i) => {
        const row = byId.get(outcome.taskId);
        if (i === 2) {
          expect(row).toMatchObject({ status: 'failed', body: null });
          expect(row?.error).toMatch(/^The outcome of this attempt could not be stored \(.+\); the task was ended/);
        } else {
          expect(row).toMatchObject({ status: 'completed', body: `fine ${i}`, error: null });
        }
      });
      const [{ attempts }] = await app.db.query<{ attempts: number }[]>(
        `SELECT count(*)::int AS attempts FROM task_attempts WHERE task_id = ANY($1::uuid[])`,
        [outcomes.map((outcome) => outcome.taskId)],
      );
      expect(attempts).toBe(5);
    });
  });
});
