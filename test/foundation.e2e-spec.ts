import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

describe('Foundation (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database);
    ({ key } = await sut.createTeam());
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  it('should answer an unknown route with 404 in the error format', async () => {
    const response = await sut.http().get('/v1/nothing-here').expect(404);
    expect(response.body).toEqual({
      error: 'Route GET /v1/nothing-here not found',
    });
  });

  it('should answer malformed JSON with 400 and change nothing', async () => {
    const response = await sut
      .http()
      .post('/v1/tokens')
      .set(bearer(key))
      .set('Content-Type', 'application/json')
      .send('{"name": "x", ')
      .expect(400);
    expect(response.body).toEqual({ error: 'Malformed JSON in request body' });
    const list = await sut.http().get('/v1/tokens').set(bearer(key)).expect(200);
    expect(list.body.tokens).toEqual([]);
  });

  it('should answer an oversized body with 413 and stay healthy', async () => {
    const huge = JSON.stringify({
      targetUrl: 'https://example.com',
      body: 'x'.repeat(4 * 1024 * 1024),
    });
    const response = await sut
      .http()
      .post('/v1/tasks')
      .set(bearer(key))
      .set('Content-Type', 'application/json')
      .send(huge)
      .expect(413);
    expect(response.body).toEqual({ error: 'Request body too large' });
    await sut.http().get('/health').expect(200);
  });

  it('should report health with the database status', async () => {
    const response = await sut.http().get('/health').expect(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.info.database.status).toBe('up');
  });

  it('should serve Prometheus metrics', async () => {
    const response = await sut.http().get('/metrics').expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    expect(response.text).toContain('asyncqueue_process_cpu_seconds_total');
    expect(response.text).toContain('asyncqueue_tasks{status="pending"}');
  });

  it('should count unfinished tasks by status in the queue-depth gauge', async () => {
    const { teamId } = await sut.createTeam('depth');
    const statuses = ['pending', 'pending', 'delayed', 'processing', 'waiting', 'polling', 'completed'];
    for (const status of statuses) {
      await sut.db.query(
        `INSERT INTO tasks (id, team_id, status, target_url, method, headers, timeout_seconds, max_wait_seconds,
           max_retries, retry_backoff, priority, created_at, run_at)
         VALUES (gen_random_uuid(), $1, $2, 'https://example.com', 'POST', '{}', 30, 30, 3, 'linear', 5, now(), now())`,
        [teamId, status],
      );
    }
    const { text } = await sut.http().get('/metrics').expect(200);
    const depth = (status: string) =>
      Number(new RegExp(`asyncqueue_tasks\\{status="${status}"\\} (\\d+)`).exec(text)?.[1]);
    expect([depth('pending'), depth('delayed'), depth('processing'), depth('waiting'), depth('polling')]).toEqual([
      2, 1, 1, 1, 1,
    ]);
    expect(text).not.toContain('asyncqueue_tasks{status="completed"}');
  });

  it('should publish the OpenAPI document with bearer and X-API-Key schemes', async () => {
    const response = await sut.http().get('/docs-json').expect(200);
    expect(response.body.components.securitySchemes).toMatchObject({
      bearer: { type: 'http', scheme: 'bearer' },
      'api-key': { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    });
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/v1/tokens', '/v1/tasks/{id}']));
    await sut.http().get('/docs').expect(200);
  });

  it('should carry a request id on every response', async () => {
    const response = await sut.http().get('/health').set('X-Request-Id', 'trace-123').expect(200);
    expect(response.headers['x-request-id']).toBe('trace-123');
  });

  it('should answer 503 from /health once the database is gone', async () => {
    const other = await startTestApp(database);
    await other.db.destroy();
    const response = await other.http().get('/health').expect(503);
    expect(response.body.error).toBe('Database is unavailable');
    const failing = await other.http().get('/v1/tasks').set(bearer(key)).expect(500);
    expect(failing.body).toEqual({ error: 'Internal server error' });
    expect(failing.headers['x-request-id']).toEqual(expect.any(String));
    await other.close().catch(() => undefined);
  });
});
