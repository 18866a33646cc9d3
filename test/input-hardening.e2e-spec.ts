import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * Hostile input through the real app, with the worker off: nothing here is ever dispatched (some
 * targets, like [::7f00:1], would really leave the machine). Every refusal is a 400 that names the
 * problem and stores nothing.
 */
describe('Hostile input (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let team: { teamId: string; key: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, { RATE_LIMIT_PER_MINUTE: '100000' });
    team = await sut.createTeam('hostile');
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  const countTasks = async () => (await sut.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM tasks'))[0].n;
  const createTask = (body: object) => sut.http().post('/v1/tasks').set(bearer(team.key)).send(body);

  async function expectTaskRefused(body: object, message: string): Promise<void> {
    const before = await countTasks();
    const response = await createTask(body).expect(400);
    expect(response.body).toEqual({ error: message });
    expect(await countTasks()).toBe(before);
  }

  describe('reserved IPv6 forms', () => {
    it.each([
      ['http://[::127.0.0.1]/x', '::7f00:1'],
      ['http://[::7f00:1]/x', '::7f00:1'],
      ['http://[::a9fe:a9fe]/latest/meta-data', '::a9fe:a9fe'],
      ['http://[::2]/x', '::2'],
      ['http://[64:ff9b::10.0.0.1]/x', '64:ff9b::a00:1'],
      ['http://[64:ff9b::169.254.169.254]/x', '64:ff9b::a9fe:a9fe'],
      ['http://[2002:c0a8:101::1]/x', '2002:c0a8:101::1'],
      ['http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/x', '2001:0:4136:e378:8000:63bf:f5ff:fffe'],
      ['http://[2001:db8::1]/x', '2001:db8::1'],
      ['http://[fe80::1]/x', 'fe80::1'],
      ['http://[fc00::1]/x', 'fc00::1'],
      ['http://[ff02::1]/x', 'ff02::1'],
      ['http://[::]/x', '::'],
    ])('should refuse the target %s', async (targetUrl, literal) => {
      await expectTaskRefused({ targetUrl }, `targetUrl points to a non-public address (${literal})`);
    });

    it('should refuse a reserved IPv6 form as onCompleteUrl and in a poll URL template', async () => {
      await expectTaskRefused(
        { targetUrl: 'https://example.com', onCompleteUrl: 'http://[::7f00:1]/done' },
        'onCompleteUrl points to a non-public address (::7f00:1)',
      );
      await expectTaskRefused(
        {
          targetUrl: 'https://example.com',
          pollConfig: {
            urlTemplate: 'http://[64:ff9b::a9fe:a9fe]/jobs/{startResult.body.id}',
            statusPath: 'status',
            doneValues: ['done'],
            failValues: [],
          },
        },
        'pollConfig.urlTemplate points to a non-public address (64:ff9b::a9fe:a9fe)',
      );
    });

    it('should accept NAT64 and 6to4 forms of a public IPv4 address (created delayed, never dispatched)', async () => {
      const delayUntil = new Date(Date.now() + 86_400_000).toISOString();
      for (const targetUrl of ['http://[64:ff9b::8.8.8.8]/x', 'http://[2002:808:808::1]/x']) {
        const created = await createTask({ targetUrl, delayUntil }).expect(201);
        await sut.http().post(`/v1/tasks/${created.body.task.id}/cancel`).set(bearer(team.key)).expect(200);
      }
    });
  });
});
