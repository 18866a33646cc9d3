import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';

const canary = (label: string) => `canary${label}${randomBytes(8).toString('hex')}`;

/**
 * Query values, signal tokens and callback ids never reach the output of a real server, at the
 * default level and at the most talkative one, while the request lines themselves still do.
 */
describe('Secrets in request URLs and logs (system)', () => {
  let database: TestDatabase;
  let apiKey: string;
  const vaultKey = randomVaultKey('k1');

  beforeAll(async () => {
    database = await createTestDatabase();
    const team = await runNode('cli.js', ['teams', 'create', '--name', 'logs'], {
      ...database.env,
      VAULT_KEYS: vaultKey,
    });
    apiKey = (JSON.parse(team.stdout) as { apiKey: string }).apiKey;
  }, 60_000);

  afterAll(async () => {
    await database.drop();
  });

  const start = (level: string) =>
    startService({
      ...database.env,
      VAULT_KEYS: vaultKey,
      WORKER_ENABLED: 'false',
      ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
      LOG_LEVEL: level,
    });

  it('should redact query values, signal tokens and callback ids at LOG_LEVEL=info', async () => {
    const service = await start('info');
    try {
      const secrets = await sendSecretCarryingRequests(service, apiKey);
      expect(await status(service, '/v1/webhook-secret', { headers: auth(apiKey) })).toBe(200);
      await expectRedactedRequestLines(service, secrets);
    } finally {
      await service.kill('SIGTERM');
    }
  }, 60_000);

  // Renaming a table under the server needs a connection of the test's own: PostgreSQL only.
  (testDatabaseKind() === 'postgres' ? it : it.skip)(
    'should redact them at LOG_LEVEL=trace, in error lines too',
    async () => {
      const service = await start('trace');
      // A table gone from under the running server gives a real 500 (and its error lines).
      const db = new pg.Client({ connectionString: database.url });
      await db.connect();
      try {
        const secrets = await sendSecretCarryingRequests(service, apiKey);
        const probe = canary('error');
        await db.query('ALTER TABLE webhook_secrets RENAME TO webhook_secrets_away');
        expect(await status(service, `/v1/webhook-secret?probe=${probe}`, { headers: auth(apiKey) })).toBe(500);
        await db.query('ALTER TABLE webhook_secrets_away RENAME TO webhook_secrets');
        await expectRedactedRequestLines(service, [...secrets, probe]);
        expect(service.output()).toContain('"url":"/v1/webhook-secret?probe=[redacted]"');
        expect(service.output()).toContain('Unhandled error while serving request');
      } finally {
        await db.end();
        await service.kill('SIGTERM');
      }
    },
    60_000,
  );
});

function auth(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}

async function status(service: ServiceProcess, path: string, init: RequestInit = {}): Promise<number> {
  const response = await fetch(`${service.url}${path}`, init);
  await response.text();
  return response.status;
}

/** Sends requests with secrets in their URLs; returns every secret that must stay out of the logs. */
async function sendSecretCarryingRequests(service: ServiceProcess, apiKey: string): Promise<string[]> {
  const post = (path: string, body: unknown = {}) =>
    status(service, path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const created = await fetch(`${service.url}/v1/tasks`, {
    method: 'POST',
    headers: { ...auth(apiKey), 'Content-Type': 'application/json' },
    body: JSON.stringify({
      targetUrl: 'http://127.0.0.1:9/never',
      body: '{"cb":"{asyncqueue_callback_url}"}',
      waitForSignal: true,
      delayUntil: new Date(Date.now() + 86_400_000).toISOString(),
    }),
  });
  expect(created.status).toBe(201);
  const { signalToken, task } = (await created.json()) as { signalToken: string; task: { callbackId: string } };
  const query = [canary('status'), canary('bare'), canary('note')];
  const paths = [canary('signal'), canary('upper'), canary('callback')];

  expect(await status(service, `/v1/tasks?access_token=${apiKey}&status=${query[0]}`)).toBe(400);
  expect(await status(service, `/v1/tasks?status=${query[0]}`, { headers: auth(apiKey) })).toBe(400);
  expect(await status(service, `/v1/tasks?${query[1]}`, { headers: auth(apiKey) })).toBeLessThan(500);
  expect(await post(`/v1/signals/${signalToken}`, { status: 'completed' })).toBe(409);
  expect(await post(`/v1/signals/${paths[0]}`, { status: 'completed' })).toBe(404);
  expect(await post(`/V1/SIGNALS/${paths[1]}`, { status: 'completed' })).toBe(404);
  expect(await post(`/v1/callbacks/${task.callbackId}?note=${query[2]}`)).toBe(409);
  expect(await post(`/v1/callbacks/${paths[2]}`)).toBe(404);
  return [apiKey, signalToken, task.callbackId, ...query, ...paths];
}

async function expectRedactedRequestLines(service: ServiceProcess, secrets: string[]): Promise<void> {
  // Access lines are written when a response finishes, just after the client has it.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const output = service.output();
  for (const line of [
    '"url":"/v1/tasks?access_token=[redacted]&status=[redacted]"',
    '"url":"/v1/tasks?status=[redacted]"',
    '"url":"/v1/tasks?[redacted]"',
    '"url":"/v1/signals/[redacted]"',
    '"url":"/V1/SIGNALS/[redacted]"',
    '"url":"/v1/callbacks/[redacted]?note=[redacted]"',
    '"url":"/v1/callbacks/[redacted]"',
    // The access line's message names the request too, redacted the same way.
    '"msg":"GET /v1/tasks?status=[redacted] 400 ',
    '"msg":"POST /v1/signals/[redacted] 404 ',
    '"msg":"POST /v1/callbacks/[redacted]?note=[redacted] 409 ',
  ]) {
    expect(output).toContain(line);
  }
  for (const secret of secrets) {
    expect(output).not.toContain(secret);
  }
}
