import { QueueConnections } from '../src/database/queue-connections.service.js';
import { randomUUID } from 'node:crypto';
import { TaskRepository } from '../src/tasks/persistence/task.repository.js';
import { NotificationListener, TASK_STATUS_CHANNEL } from '../src/database/notification-listener.service.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('Tasks API (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let teamA: { teamId: string; key: string };
  let teamB: { teamId: string; key: string };
  let tokenId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, {
      ALLOWED_PRIVATE_TARGETS: '10.1.2.0/24',
    });
    teamA = await sut.createTeam('a');
    teamB = await sut.createTeam('b');
    const token = await sut
      .http()
      .post('/v1/tokens')
      .set(bearer(teamA.key))
      .send({ name: 'k', value: 'secret-value' })
      .expect(201);
    tokenId = token.body.token.id;
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  const create = (body: object, key = teamA.key) => sut.http().post('/v1/tasks').set(bearer(key)).send(body);
  const countTasks = async () => (await sut.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM tasks'))[0].n;

  describe('POST /v1/tasks', () => {
    it('should create a pending task with every default', async () => {
      const response = await create({
        targetUrl: 'https://example.com/hook',
      }).expect(201);
      expect(response.body.task).toMatchObject({
        id: expect.stringMatching(UUID_V7),
        teamId: teamA.teamId,
        status: 'pending',
        targetUrl: 'https://example.com/hook',
        method: 'POST',
        headers: {},
        body: null,
        timeout: 30,
        maxWaitTime: 30,
        delayUntil: null,
        maxRetries: 3,
        retryBackoff: 'exponential',
        priority: 5,
        onCompleteUrl: null,
        retryCount: 0,
        result: null,
        error: null,
        startedAt: null,
        completedAt: null,
      });
      expect(response.body.task.createdAt).toMatch(/\.\d{3}Z$/);
    });

    it('should create a delayed task when delayUntil is in the future', async () => {
      const delayUntil = new Date(Date.now() + 3_600_000).toISOString();
      const response = await create({
        targetUrl: 'https://example.com',
        delayUntil,
      }).expect(201);
      expect(response.body.task).toMatchObject({
        status: 'delayed',
        delayUntil,
      });
      const past = await create({
        targetUrl: 'https://example.com',
        delayUntil: '2020-01-01T00:00:00Z',
      }).expect(201);
      expect(past.body.task.status).toBe('pending');
    });

    it('should keep tok_ references in the stored headers, never the secret', async () => {
      const response = await create({
        targetUrl: 'https://api.openai.com/v1/chat/completions',
        headers: {
          Authorization: tokenId,
          'Content-Type': 'application/json',
          'X-Request-ID': 'my-request-123',
        },
        body: '{"model":"gpt-4"}',
      }).expect(201);
      expect(response.body.task.headers).toEqual({
        Authorization: tokenId,
        'Content-Type': 'application/json',
        'X-Request-ID': 'my-request-123',
      });
      const rows = await sut.db.query('SELECT * FROM tasks');
      expect(JSON.stringify(rows)).not.toContain('secret-value');
    });

    it.each([
      [
        'the largest values',
        {
          targetUrl: `https://example.com/${'a'.repeat(2028)}`,
          timeout: 900,
          maxWaitTime: 86400,
          maxRetries: 10,
          priority: 10,
        },
      ],
      [
        'the smallest values',
        {
          targetUrl: 'http://example.com',
          timeout: 1,
          maxWaitTime: 1,
          maxRetries: 0,
          priority: 1,
        },
      ],
      ['every method', { targetUrl: 'https://example.com', method: 'PATCH' }],
      ['linear backoff', { targetUrl: 'https://example.com', retryBackoff: 'linear' }],
      [
        '50 headers',
        {
          targetUrl: 'https://example.com',
          headers: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`X-H${i}`, 'v'])),
        },
      ],
      ['a 1 MiB body', { targetUrl: 'https://example.com', body: 'b'.repeat(1024 * 1024) }],
      ['an allowed private target', { targetUrl: 'http://10.1.2.3/hook' }],
      [
        'an onCompleteUrl',
        {
          targetUrl: 'https://example.com',
          onCompleteUrl: 'https://example.org/done',
        },
      ],
    ])('should accept %s', async (_name, body) => {
      await create(body).expect(201);
    });

    it.each([
      [{}, 'targetUrl is required'],
      [{ targetUrl: 'ftp://example.com' }, 'targetUrl must be a valid http or https URL'],
      [{ targetUrl: 'not a url' }, 'targetUrl must be a valid http or https URL'],
      [{ targetUrl: `https://example.com/${'a'.repeat(2029)}` }, 'targetUrl must be at most 2048 characters'],
      [{ targetUrl: 'https://user:pw@example.com' }, 'targetUrl must not contain credentials'],
      [
        { targetUrl: 'http://127.0.0.1/x' },
        'targetUrl points to a non-public address (127.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://0x7f.1/x' },
        'targetUrl points to a non-public address (127.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://2130706433/x' },
        'targetUrl points to a non-public address (127.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://[::ffff:127.0.0.1]/x' },
        'targetUrl points to a non-public address (::ffff:7f00:1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://[::1]/x' },
        'targetUrl points to a non-public address (::1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://169.254.169.254/latest/meta-data' },
        'targetUrl points to a non-public address (169.254.169.254); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://10.0.0.1/x' },
        'targetUrl points to a non-public address (10.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://0.0.0.0/x' },
        'targetUrl points to a non-public address (0.0.0.0); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://localhost:8080/x' },
        'targetUrl points to a non-public address (127.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'http://api.localhost/x' },
        'targetUrl points to a non-public address (127.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        { targetUrl: 'https://example.com', onCompleteUrl: 'http://LOCALHOST./done' },
        'onCompleteUrl points to a non-public address (127.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [
        {
          targetUrl: 'https://example.com',
          onCompleteUrl: 'http://192.168.1.1/x',
        },
        'onCompleteUrl points to a non-public address (192.168.1.1); allow it with ALLOWED_PRIVATE_TARGETS',
      ],
      [{ targetUrl: 'https://example.com', method: 'HEAD' }, 'method must be one of GET, POST, PUT, PATCH, DELETE'],
      [{ targetUrl: 'https://example.com', timeout: 0 }, 'timeout must be between 1 and 900'],
      [{ targetUrl: 'https://example.com', timeout: 901 }, 'timeout must be between 1 and 900'],
      [{ targetUrl: 'https://example.com', timeout: '30' }, 'timeout must be an integer'],
      [{ targetUrl: 'https://example.com', maxWaitTime: 86401 }, 'maxWaitTime must be between 1 and 86400'],
      [{ targetUrl: 'https://example.com', maxRetries: 11 }, 'maxRetries must be between 0 and 10'],
      [{ targetUrl: 'https://example.com', maxRetries: -1 }, 'maxRetries must be between 0 and 10'],
      [{ targetUrl: 'https://example.com', priority: 0 }, 'priority must be between 1 and 10'],
      [{ targetUrl: 'https://example.com', priority: 11 }, 'priority must be between 1 and 10'],
      [
        { targetUrl: 'https://example.com', retryBackoff: 'fibonacci' },
        'retryBackoff must be one of exponential, linear',
      ],
      [{ targetUrl: 'https://example.com', delayUntil: 'tomorrow' }, 'delayUntil must be an ISO 8601 date-time'],
      [{ targetUrl: 'https://example.com', body: 42 }, 'body must be a string'],
      [{ targetUrl: 'https://example.com', body: 'b'.repeat(1024 * 1024 + 1) }, 'body must be at most 1 MiB'],
      [{ targetUrl: 'https://example.com', headers: [] }, 'headers must be an object of strings'],
      [
        { targetUrl: 'https://example.com', headers: { 'Bad Name': 'v' } },
        'Header name "Bad Name" is not a valid HTTP header name',
      ],
      [
        { targetUrl: 'https://example.com', headers: { 'X-A': 'v\r\nX-B: 1' } },
        'Header "X-A" must not contain CR, LF or NUL characters',
      ],
      [{ targetUrl: 'https://example.com', headers: { 'X-A': 1 } }, 'Header "X-A" must have a string value'],
      [{ targetUrl: 'https://example.com', headers: { Host: 'evil' } }, 'Header "Host" cannot be set on a task'],
      [
        {
          targetUrl: 'https://example.com',
          headers: { 'content-length': '1' },
        },
        'Header "content-length" cannot be set on a task',
      ],
      [
        {
          targetUrl: 'https://example.com',
          headers: { 'Transfer-Encoding': 'chunked' },
        },
        'Header "Transfer-Encoding" cannot be set on a task',
      ],
      [
        { targetUrl: 'https://example.com', headers: { Connection: 'close' } },
        'Header "Connection" cannot be set on a task',
      ],
      [
        {
          targetUrl: 'https://example.com',
          headers: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`X-H${i}`, 'v'])),
        },
        'headers must have at most 50 entries',
      ],
      [{ targetUrl: 'https://example.com', unknown: 1 }, 'property unknown should not exist'],
    ])('should refuse case %# with "%s" and store nothing', async (body, message) => {
      const before = await countTasks();
      const response = await create(body).expect(400);
      expect(response.body).toEqual({ error: message });
      expect(await countTasks()).toBe(before);
    });

    it('should name the first bad vault reference in the order given', async () => {
      const other = await sut
        .http()
        .post('/v1/tokens')
        .set(bearer(teamB.key))
        .send({ name: 'b', value: 'v' })
        .expect(201);
      const response = await create({
        targetUrl: 'https://example.com',
        headers: {
          'X-Good': tokenId,
          'X-Foreign': other.body.token.id,
          'X-Unknown': 'tok_01jrx7m2kabcdefghjkmnpqrst',
        },
      }).expect(400);
      expect(response.body).toEqual({
        error: `Header "X-Foreign" references unknown vault token "${other.body.token.id}"`,
      });
    });
  });

  describe('Idempotency-Key', () => {
    it('should replay the same request and refuse a different one', async () => {
      const body = { targetUrl: 'https://example.com/idem', priority: 7 };
      const first = await create(body).set('Idempotency-Key', 'order-1').expect(201);
      const replay = await create({
        priority: 7,
        targetUrl: 'https://example.com/idem',
      })
        .set('Idempotency-Key', 'order-1')
        .expect(200);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body.task.id).toBe(first.body.task.id);
      const different = await create({ ...body, priority: 8 })
        .set('Idempotency-Key', 'order-1')
        .expect(422);
      expect(different.body.error).toEqual(expect.any(String));
      const otherTeam = await create(body, teamB.key).set('Idempotency-Key', 'order-1').expect(201);
      expect(otherTeam.body.task.id).not.toBe(first.body.task.id);
    });

    it('should create exactly one task for concurrent requests with one key', async () => {
      const before = await countTasks();
      const responses = await Promise.all(
        Array.from({ length: 8 }, () =>
          create({ targetUrl: 'https://example.com/race' }).set('Idempotency-Key', 'race-1'),
        ),
      );
      const ids = new Set(responses.map((r) => r.body.task.id as string));
      expect(ids.size).toBe(1);
      expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
      expect(await countTasks()).toBe(before + 1);
    });

    it('should refuse an over-long key', async () => {
      const response = await create({ targetUrl: 'https://example.com' })
        .set('Idempotency-Key', 'k'.repeat(256))
        .expect(400);
      expect(response.body).toEqual({
        error: 'Idempotency-Key must be at most 255 characters',
      });
    });
  });

  describe('reading', () => {
    it("should answer 404 for another team's task on every route, like a missing one", async () => {
      const task = await create({ targetUrl: 'https://example.com' }).expect(201);
      const id = task.body.task.id as string;
      const missing = '01900000-0000-7000-8000-000000000000';
      for (const target of [id, missing, 'not-a-uuid']) {
        for (const [method, path] of [
          ['get', ''],
          ['get', '/attempts'],
          ['post', '/cancel'],
          ['post', '/retry'],
        ] as const) {
          const http = sut.http();
          const response = await http[method](`/v1/tasks/${target}${path}`).set(bearer(teamB.key)).expect(404);
          expect(response.body).toEqual({ error: 'Task not found' });
        }
      }
    });

    it('should list newest first with pagination and a status filter', async () => {
      const team = await sut.createTeam('lister');
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        ids.push((await create({ targetUrl: `https://example.com/${i}` }, team.key).expect(201)).body.task.id);
      }
      await sut.http().post(`/v1/tasks/${ids[1]}/cancel`).set(bearer(team.key)).expect(200);
      const page = await sut.http().get('/v1/tasks?limit=2&offset=1').set(bearer(team.key)).expect(200);
      expect(page.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[3], ids[2]]);
      expect(page.body.pagination).toEqual({
        total: 5,
        totalIsEstimate: false,
        limit: 2,
        offset: 1,
        hasMore: true,
        nextCursor: expect.any(String),
      });
      const last = await sut.http().get('/v1/tasks?limit=2&offset=4').set(bearer(team.key)).expect(200);
      expect(last.body.pagination.hasMore).toBe(false);
      const cancelled = await sut.http().get('/v1/tasks?status=cancelled').set(bearer(team.key)).expect(200);
      expect(cancelled.body.tasks.map((t: { id: string }) => t.id)).toEqual([ids[1]]);
      const defaults = await sut.http().get('/v1/tasks').set(bearer(team.key)).expect(200);
      expect(defaults.body.pagination).toMatchObject({ limit: 20, offset: 0 });
    });

    it.each([
      ['limit=0', 'limit must be between 1 and 100'],
      ['limit=101', 'limit must be between 1 and 100'],
      ['limit=abc', 'limit must be an integer'],
      ['offset=-1', 'offset must be at least 0'],
      [
        'status=done',
        'status must be one of pending, delayed, processing, waiting, polling, completed, failed, timeout, cancelled',
      ],
    ])('should refuse ?%s', async (query, message) => {
      const response = await sut.http().get(`/v1/tasks?${query}`).set(bearer(teamA.key)).expect(400);
      expect(response.body).toEqual({ error: message });
    });

    it('should hold ?wait until the status changes, without waiting the full time', async () => {
      const task = await create({ targetUrl: 'https://example.com' }).expect(201);
      const id = task.body.task.id as string;
      const started = Date.now();
      const waiting = sut.http().get(`/v1/tasks/${id}?wait=10`).set(bearer(teamA.key));
      setTimeout(() => void sut.db.query(`UPDATE tasks SET status = 'processing' WHERE id = $1`, [id]), 500);
      const response = await waiting.expect(200);
      expect(response.body.task.status).toBe('processing');
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('should announce status changes only of tasks someone waits for, and drop the watch afterwards', async () => {
      const announced: string[] = [];
      const unsubscribe = sut.app
        .get(NotificationListener)
        .on(TASK_STATUS_CHANNEL, (ids) => announced.push(...ids.split(',')));
      try {
        const unwatched = (await create({ targetUrl: 'https://example.com' }).expect(201)).body.task.id as string;
        const watched = (await create({ targetUrl: 'https://example.com' }).expect(201)).body.task.id as string;
        await sut.db.query(`UPDATE tasks SET status = 'processing' WHERE id = $1`, [unwatched]);
        const waiting = sut.http().get(`/v1/tasks/${watched}?wait=10`).set(bearer(teamA.key));
        setTimeout(() => void sut.db.query(`UPDATE tasks SET status = 'processing' WHERE id = $1`, [watched]), 500);
        expect((await waiting.expect(200)).body.task.status).toBe('processing');
        expect(announced).toContain(watched);
        expect(announced).not.toContain(unwatched);
        const watches = await sut.db.query<{ n: number }[]>(
          'SELECT count(*)::int AS n FROM task_watches WHERE task_id = $1',
          [watched],
        );
        expect(watches[0].n).toBe(0);
      } finally {
        unsubscribe();
      }
    });

    it('should still see a change whose announcement never came, within a couple of seconds', async () => {
      const id = (await create({ targetUrl: 'https://example.com' }).expect(201)).body.task.id as string;
      const started = Date.now();
      const waiting = sut.http().get(`/v1/tasks/${id}?wait=20`).set(bearer(teamA.key));
      setTimeout(() => {
        // Without its watch the change is not announced: only the periodic re-read can see it.
        void sut.db
          .query(`DELETE FROM task_watches WHERE task_id = $1`, [id])
          .then(() => sut.db.query(`UPDATE tasks SET status = 'processing' WHERE id = $1`, [id]));
      }, 500);
      const response = await waiting.expect(200);
      expect(response.body.task.status).toBe('processing');
      expect(Date.now() - started).toBeLessThan(4000);
    });

    it('should return after the wait when nothing changes, and refuse wait > 25', async () => {
      const task = await create({ targetUrl: 'https://example.com' }).expect(201);
      const started = Date.now();
      const response = await sut.http().get(`/v1/tasks/${task.body.task.id}?wait=1`).set(bearer(teamA.key)).expect(200);
      expect(response.body.task.status).toBe('pending');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      const refused = await sut.http().get(`/v1/tasks/${task.body.task.id}?wait=26`).set(bearer(teamA.key)).expect(400);
      expect(refused.body).toEqual({ error: 'wait must be between 0 and 25' });
    });
  });

  describe('leases', () => {
    it('should ignore a completion written with a stale fencing token', async () => {
      const store = new TaskRepository(sut.db, sut.app.get(QueueConnections));
      await create({ targetUrl: 'https://example.com/fenced' }).expect(201);
      const [claimed] = await store.claim(randomUUID(), 1);
      expect(claimed.kind).toBe('call');
      const [{ status }] = await sut.db.query<{ status: string }[]>('SELECT status FROM tasks WHERE id = $1', [
        claimed.task.id,
      ]);
      expect(status).toBe('processing');
      // The lease expired and another worker claimed the task again: the token moved on.
      await sut.db.query(`UPDATE tasks SET lease_token = lease_token + 1 WHERE id = $1`, [claimed.task.id]);
      const now = new Date();
      const applied = await store.complete([
        {
          taskId: claimed.task.id,
          leaseToken: claimed.task.leaseToken,
          fromStatus: 'processing',
          status: 'completed',
          result: { statusCode: 200, headers: {}, body: 'late', duration: 1 },
          keepResult: false,
          error: null,
          retryCount: 0,
          runAt: null,
          waitDeadline: null,
          completedAt: now,
          attemptStartedAt: now,
          durationMs: 1,
          statusCode: 200,
        },
      ]);
      expect(applied.size).toBe(0);
      const [row] = await sut.db.query<{ status: string; result: unknown }[]>(
        'SELECT status, result FROM tasks WHERE id = $1',
        [claimed.task.id],
      );
      expect(row).toEqual({ status: 'processing', result: null });
      await sut.db.query(`UPDATE tasks SET status = 'cancelled' WHERE id = $1`, [claimed.task.id]);
    });
  });

  describe('cancel and retry', () => {
    it('should cancel pending and delayed tasks, and answer 409 otherwise', async () => {
      const pending = await create({ targetUrl: 'https://example.com' }).expect(201);
      const cancelled = await sut
        .http()
        .post(`/v1/tasks/${pending.body.task.id}/cancel`)
        .set(bearer(teamA.key))
        .expect(200);
      expect(cancelled.body.task).toMatchObject({
        status: 'cancelled',
        completedAt: expect.any(String),
      });
      const again = await sut
        .http()
        .post(`/v1/tasks/${pending.body.task.id}/cancel`)
        .set(bearer(teamA.key))
        .expect(409);
      expect(again.body).toEqual({
        error: 'Task cannot be cancelled (current: cancelled)',
      });

      const delayed = await create({
        targetUrl: 'https://example.com',
        delayUntil: new Date(Date.now() + 60_000).toISOString(),
      }).expect(201);
      await sut.http().post(`/v1/tasks/${delayed.body.task.id}/cancel`).set(bearer(teamA.key)).expect(200);

      const processing = await create({
        targetUrl: 'https://example.com',
      }).expect(201);
      await sut.db.query(`UPDATE tasks SET status = 'processing' WHERE id = $1`, [processing.body.task.id]);
      const conflict = await sut
        .http()
        .post(`/v1/tasks/${processing.body.task.id}/cancel`)
        .set(bearer(teamA.key))
        .expect(409);
      expect(conflict.body).toEqual({
        error: 'Task cannot be cancelled (current: processing)',
      });
    });

    it('should let exactly one of a cancel and a concurrent claim win', async () => {
      const task = await create({ targetUrl: 'https://example.com' }).expect(201);
      const id = task.body.task.id as string;
      const claim = sut.db.query(
        `UPDATE tasks SET status = 'processing' WHERE id = $1 AND status IN ('pending','delayed') RETURNING id`,
        [id],
      );
      const cancel = sut.http().post(`/v1/tasks/${id}/cancel`).set(bearer(teamA.key));
      const [claimed, cancelResponse] = await Promise.all([claim, cancel]);
      const claimWon = (claimed as unknown[][])[0]?.length === 1 || (claimed as unknown[]).length === 1;
      expect(claimWon ? 409 : 200).toBe(cancelResponse.status);
    });

    it('should re-queue failed and timed-out tasks with fresh retries, keeping the earlier attempts', async () => {
      const task = await create({ targetUrl: 'https://example.com' }).expect(201);
      const id = task.body.task.id as string;
      const early = await sut.http().post(`/v1/tasks/${id}/retry`).set(bearer(teamA.key)).expect(409);
      expect(early.body).toEqual({
        error: 'Task cannot be retried (current: pending)',
      });
      await sut.db.query(
        `UPDATE tasks SET status = 'failed', retry_count = 3, error = 'boom', completed_at = now() WHERE id = $1`,
        [id],
      );
      await sut.db.query(
        `INSERT INTO task_attempts (task_id, number, started_at, duration_ms, status_code, error) VALUES ($1, 1, now(), 5, 500, 'boom')`,
        [id],
      );
      const retried = await sut.http().post(`/v1/tasks/${id}/retry`).set(bearer(teamA.key)).expect(200);
      expect(retried.body.task).toMatchObject({
        status: 'pending',
        retryCount: 0,
        error: null,
        completedAt: null,
      });
      const attempts = await sut.http().get(`/v1/tasks/${id}/attempts`).set(bearer(teamA.key)).expect(200);
      expect(attempts.body.attempts).toEqual([expect.objectContaining({ number: 1, statusCode: 500, error: 'boom' })]);
    });
  });
});
