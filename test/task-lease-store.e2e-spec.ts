import { AsyncCommitPool } from '../src/database/async-commit-pool.service.js';
import { TaskLeaseStore } from '../src/executor/task-lease.store.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

describe('TaskLeaseStore (e2e)', () => {
  let database: TestDatabase;
  let app: TestApp;
  let sut: TaskLeaseStore;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database);
    sut = new TaskLeaseStore(app.db, app.app.get(AsyncCommitPool));
    ({ key } = await app.createTeam());
  });

  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('should report nothing due on an empty queue, so an idle worker sleeps instead of spinning', async () => {
    expect(await sut.msUntilNextDue()).toBeNull();
  });

  it('should report the time until a delayed task, then zero once something is due', async () => {
    const delayUntil = new Date(Date.now() + 60_000).toISOString();
    await app
      .http()
      .post('/v1/tasks')
      .set(bearer(key))
      .send({ targetUrl: 'https://example.com', delayUntil })
      .expect(201);
    const wait = (await sut.msUntilNextDue()) as number;
    expect(wait).toBeGreaterThan(55_000);
    expect(wait).toBeLessThanOrEqual(60_000);
    await app.http().post('/v1/tasks').set(bearer(key)).send({ targetUrl: 'https://example.com' }).expect(201);
    expect(await sut.msUntilNextDue()).toBe(0);
  });
});
