import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * A callback id completes its task without a credential, so only principals that may write tasks
 * see it: an API key (every scope) or an OAuth token with tasks:write, never a tasks:read one.
 */
describe('Who sees a task callback id (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let team: { teamId: string; key: string };
  let taskId: string;
  let callbackId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, { ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32' });
    team = await sut.createTeam('visibility');
    const created = await sut
      .http()
      .post('/v1/tasks')
      .set(bearer(team.key))
      .send({ targetUrl: 'http://127.0.0.1:9/submit?cb={asyncqueue_callback_url}' })
      .expect(201);
    taskId = created.body.task.id as string;
    callbackId = created.body.task.callbackId as string;
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  async function oauthToken(scopes: string[]): Promise<string> {
    const client = await sut
      .http()
      .post('/v1/oauth/clients')
      .set(bearer(team.key))
      .send({ name: 'reader', scopes })
      .expect(201);
    const token = await sut
      .http()
      .post('/oauth/token')
      .auth(client.body.client.id as string, client.body.clientSecret as string)
      .type('form')
      .send({ grant_type: 'client_credentials' })
      .expect(200);
    return token.body.access_token as string;
  }

  const getTask = (credential: string) => sut.http().get(`/v1/tasks/${taskId}`).set(bearer(credential)).expect(200);
  const listTasks = (credential: string) => sut.http().get('/v1/tasks').set(bearer(credential)).expect(200);

  it('should show the callback id in the create response', () => {
    expect(callbackId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('should hide the callback id from an OAuth token holding only tasks:read', async () => {
    const reader = await oauthToken(['tasks:read']);
    const single = await getTask(reader);
    expect(single.body.task).toMatchObject({ id: taskId, status: 'pending' });
    expect(single.body.task).not.toHaveProperty('callbackId');
    const list = await listTasks(reader);
    expect(list.body.tasks.map((task: { id: string }) => task.id)).toContain(taskId);
    for (const task of list.body.tasks) expect(task).not.toHaveProperty('callbackId');
    expect(JSON.stringify([single.body, list.body])).not.toContain(callbackId);
  });

  it.each([
    ['an API key', () => Promise.resolve(team.key)],
    ['an OAuth token with tasks:write', () => oauthToken(['tasks:read', 'tasks:write'])],
  ])('should show the callback id to %s on get and list', async (_who, credentialOf) => {
    const credential = await credentialOf();
    expect((await getTask(credential)).body.task.callbackId).toBe(callbackId);
    const listed = (await listTasks(credential)).body.tasks.find((task: { id: string }) => task.id === taskId);
    expect(listed.callbackId).toBe(callbackId);
  });

  it('should show the callback id in the cancel response to a writer', async () => {
    const created = await sut
      .http()
      .post('/v1/tasks')
      .set(bearer(team.key))
      .send({
        targetUrl: 'http://127.0.0.1:9/later?cb={asyncqueue_callback_url}',
        delayUntil: new Date(Date.now() + 3_600_000).toISOString(),
      })
      .expect(201);
    const writer = await oauthToken(['tasks:write']);
    const cancelled = await sut.http().post(`/v1/tasks/${created.body.task.id}/cancel`).set(bearer(writer)).expect(200);
    expect(cancelled.body.task).toMatchObject({ status: 'cancelled', callbackId: created.body.task.callbackId });
  });
});
