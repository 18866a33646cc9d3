import { ApiClient } from './helpers/api-client.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

/**
 * The worker may reach 127.0.0.2 (an allowed "private" target) but not 127.0.0.1, where a
 * listener counts connections: it must see none, whatever name or redirect leads there.
 */
describe('Outbound address policy (system)', () => {
  let database: TestDatabase;
  let forbidden: SinkServer;
  let allowed: SinkServer;
  let service: ServiceProcess;
  let client: ApiClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    forbidden = await SinkServer.start('127.0.0.1');
    allowed = await SinkServer.start('127.0.0.2');
    allowed.handler = (call, response) => {
      const target = call.path.slice('/redirect-to/'.length);
      response.statusCode = 302;
      response.setHeader('Location', decodeURIComponent(target));
      response.end();
    };
    const env = {
      ...database.env,
      VAULT_KEYS: randomVaultKey(),
      ALLOWED_PRIVATE_TARGETS: '127.0.0.2/32',
      RATE_LIMIT_PER_MINUTE: '100000',
    };
    // The CLI runs first: on the embedded database only one process may hold the data directory.
    const created = await runNode('cli.js', ['teams', 'create', '--name', 'policy'], env);
    service = await startService(env);
    client = new ApiClient(service.url, (JSON.parse(created.stdout) as { apiKey: string }).apiKey);
  }, 120_000);

  afterAll(async () => {
    await service?.kill('SIGTERM');
    await forbidden?.close();
    await allowed?.close();
    await database?.drop();
  });

  async function finished(id: string) {
    return waitFor(
      async () => {
        const task = await client.task(id);
        return ['completed', 'failed'].includes(task.status) ? task : undefined;
      },
      15_000,
      'task to finish',
    );
  }

  it.each([
    ['a literal loopback target', () => forbidden.url('/x')],
    ['a localhost name (RFC 6761: loopback, judged like 127.0.0.1)', () => `http://localhost:${forbidden.port}/x`],
  ])('should refuse %s at creation, naming the fix', async (_name, target) => {
    const response = await client.request('POST', '/v1/tasks', { targetUrl: target() });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'targetUrl points to a non-public address (127.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
    });
  });

  it.each([
    [
      'a redirect to a loopback literal',
      () => allowed.url(`/redirect-to/${encodeURIComponent(forbidden.url('/hop'))}`),
    ],
    [
      'a redirect to a loopback name',
      () => allowed.url(`/redirect-to/${encodeURIComponent(`http://localhost:${forbidden.port}/hop`)}`),
    ],
    [
      'a redirect to the metadata address',
      () => allowed.url(`/redirect-to/${encodeURIComponent('http://169.254.169.254/latest')}`),
    ],
  ])('should fail without retrying and open no connection for %s', async (_name, target) => {
    const id = await client.createTask({
      targetUrl: target(),
      maxRetries: 3,
    });
    const task = await finished(id);
    expect(task.status).toBe('failed');
    expect(task.retryCount).toBe(0);
    expect(task.error).toMatch(
      /^Blocked: .* resolves to a non-public address \(.+\); allow it with ALLOWED_PRIVATE_TARGETS$/,
    );
    expect(forbidden.connections).toBe(0);
  });

  it('should follow a redirect that stays on allowed addresses', async () => {
    const final = await SinkServer.start('127.0.0.2');
    try {
      const id = await client.createTask({
        targetUrl: allowed.url(`/redirect-to/${encodeURIComponent(final.url('/landed'))}`),
      });
      const task = await finished(id);
      expect(task.status).toBe('completed');
      expect(final.callsTo('/landed')).toHaveLength(1);
      expect(forbidden.connections).toBe(0);
    } finally {
      await final.close();
    }
  });
});
