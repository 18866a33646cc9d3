import { once } from 'node:events';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ApiClient } from './helpers/api-client.js';
import { freePort, runNode, startService, type ServiceProcess } from './helpers/service-process.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

describe('Service process (system)', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database.drop();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ VAULT_KEYS: 'nocolon' }, 'VAULT_KEYS'],
    [{ VAULT_KEYS: 'k1:c2hvcnQ=' }, 'VAULT_KEYS'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL'],
    [{ ALLOWED_PRIVATE_TARGETS: '10.0.0.0/99' }, 'ALLOWED_PRIVATE_TARGETS'],
    [{ WORKER_ENABLED: 'maybe' }, 'WORKER_ENABLED'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
  ])('should stop at start-up on %j with one line naming %s', async (env, variable) => {
    const result = await runNode('main.js', [], {
      DATA_DIR: database.dataDir,
      ...env,
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('should boot on the embedded default, print the default key once, keep data across a restart, and keep DATA_DIR owner-only', async () => {
    const dataDir = join(database.dataDir, 'embedded');
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()) };
    const first = await startService(env);
    const key = /aq_live_[0-9A-Za-z]+/.exec(first.output())?.[0] as string;
    expect(key).toBeDefined();
    expect(first.output()).toContain('development vault key');
    expect(statSync(join(dataDir, 'vault.key')).mode & 0o777).toBe(0o600);
    const created = await fetch(`${first.url}/v1/tokens`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ name: 'persisted', value: 'v' }),
    });
    expect(created.status).toBe(201);
    await first.kill('SIGTERM');
    expectOwnerOnly(dataDir);
    // What earlier versions left behind, to be tightened: a 0755 DATA_DIR and pgdata, open files.
    chmodSync(dataDir, 0o755);
    chmodSync(join(dataDir, 'pgdata'), 0o755);
    chmodSync(join(dataDir, 'pgdata', 'PG_VERSION'), 0o644);
    chmodSync(join(dataDir, 'pgdata', 'global', 'pg_control'), 0o666);

    const second = await startService(env);
    try {
      expectOwnerOnly(dataDir);
      expect(second.output()).not.toContain('aq_live_');
      const listed = await fetch(`${second.url}/v1/tokens`, {
        headers: { Authorization: `Bearer ${key}` },
      });
      expect(((await listed.json()) as { tokens: { name: string }[] }).tokens.map((t) => t.name)).toEqual([
        'persisted',
      ]);
    } finally {
      await second.kill('SIGTERM');
    }
  }, 120_000);

  it('should keep the one showing of the default key for a first start that gets as far as listening', async () => {
    const dataDir = join(database.dataDir, 'port-taken');
    const taken = createServer();
    taken.listen(0, '0.0.0.0');
    await once(taken, 'listening');
    const takenPort = String((taken.address() as AddressInfo).port);
    try {
      const failed = await runNode('main.js', [], { DATA_DIR: dataDir, PORT: takenPort });
      expect(failed.code).toBe(1);
      expect(failed.stderr).toContain('EADDRINUSE');
      expect(failed.stdout + failed.stderr).not.toContain('aq_live_');
    } finally {
      taken.close();
    }
    const started = await startService({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    try {
      const key = /aq_live_[0-9A-Za-z]+/.exec(started.output())?.[0] as string;
      expect(key).toBeDefined();
      const tokens = await fetch(`${started.url}/v1/tokens`, { headers: { Authorization: `Bearer ${key}` } });
      expect(tokens.status).toBe(200);
    } finally {
      await started.kill('SIGTERM');
    }
  }, 120_000);

  it('should keep the embedded database to one process, and take over the lock of one that was killed', async () => {
    const dataDir = join(database.dataDir, 'locked');
    const inUse = (pid: number) =>
      `DATA_DIR ${dataDir} is in use by process ${pid}; stop it, or use DATABASE_URL to share a database\n`;
    const server = await startService({ DATA_DIR: dataDir });
    const pid = Number(readFileSync(join(dataDir, 'asyncqueue.pid'), 'utf8').split(' ')[0]);
    try {
      const cli = await runNode('cli.js', ['teams', 'create', '--name', 'lost'], { DATA_DIR: dataDir });
      expect(cli).toMatchObject({ code: 1, stdout: '', stderr: inUse(pid) });
      const second = await runNode('main.js', [], { DATA_DIR: dataDir, PORT: String(await freePort()) });
      expect(second).toMatchObject({ code: 1, stderr: inUse(pid) });
    } finally {
      expect(await server.kill('SIGKILL')).toBe('SIGKILL');
    }
    const after = await runNode('cli.js', ['teams', 'list'], { DATA_DIR: dataDir });
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as { teams: { name: string }[] }).teams.map((team) => team.name)).toEqual([
      'default',
    ]);
  }, 120_000);

  it('should print exactly one JSON line from the CLI on a fresh embedded database', async () => {
    const result = await runNode('cli.js', ['teams', 'create', '--name', 'solo'], {
      DATA_DIR: join(database.dataDir, 'cli-embedded'),
    });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ team: { name: 'solo' } });
  }, 60_000);

  (testDatabaseKind() === 'postgres' ? describe : describe.skip)('on PostgreSQL', () => {
    it('should create teams and keys from the CLI with one JSON line each', async () => {
      const env = { ...database.env, VAULT_KEYS: randomVaultKey() };
      const team = await runNode('cli.js', ['teams', 'create', '--name', 'Acme'], env);
      expect(team.code).toBe(0);
      expect(team.stdout.trim().split('\n')).toHaveLength(1);
      const created = JSON.parse(team.stdout) as {
        team: { id: string; name: string; createdAt: string };
        apiKey: string;
      };
      expect(created).toEqual({
        team: {
          id: expect.any(String),
          name: 'Acme',
          createdAt: expect.any(String),
        },
        apiKey: expect.stringMatching(/^aq_live_/),
      });
      const key = await runNode('cli.js', ['keys', 'create', '--team', created.team.id, '--name', 'ci'], env);
      expect(key.code).toBe(0);
      expect(JSON.parse(key.stdout)).toEqual({
        apiKey: {
          id: expect.any(String),
          name: 'ci',
          prefix: expect.stringMatching(/^aq_live_/),
          createdAt: expect.any(String),
        },
        key: expect.stringMatching(/^aq_live_/),
      });
      const unknown = await runNode(
        'cli.js',
        ['keys', 'create', '--team', '01900000-0000-7000-8000-000000000000'],
        env,
      );
      expect(unknown.code).not.toBe(0);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toContain('not found');
      const usage = await runNode('cli.js', ['teams', 'delete'], env);
      expect(usage.code).not.toBe(0);
      expect(usage.stderr).toContain('Unknown command');
    }, 60_000);

    it('should list teams, list and revoke keys from the CLI', async () => {
      const env = { ...database.env, VAULT_KEYS: randomVaultKey() };
      const json = async (args: string[]) => {
        const result = await runNode('cli.js', args, env);
        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(result.stdout.trim().split('\n')).toHaveLength(1);
        return JSON.parse(result.stdout) as Record<string, unknown>;
      };
      const { team } = (await json(['teams', 'create', '--name', 'Listed'])) as { team: { id: string } };
      const { teams } = (await json(['teams', 'list'])) as { teams: { id: string; name: string }[] };
      expect(teams).toContainEqual({ id: team.id, name: 'Listed', createdAt: expect.any(String) });
      const { apiKey } = (await json(['keys', 'create', '--team', team.id, '--name', 'second'])) as {
        apiKey: { id: string };
      };
      const listed = (await json(['keys', 'list', '--team', team.id])) as { apiKeys: { id: string; name: string }[] };
      expect(listed.apiKeys.map((key) => key.name)).toEqual(['default', 'second']);
      const revoked = (await json(['keys', 'revoke', '--id', apiKey.id])) as {
        apiKey: { id: string; revokedAt: string };
      };
      expect(revoked.apiKey).toMatchObject({ id: apiKey.id, revokedAt: expect.any(String) });
      const after = (await json(['keys', 'list', '--team', team.id])) as { apiKeys: { name: string }[] };
      expect(after.apiKeys.map((key) => key.name)).toEqual(['default']);
      const again = await runNode('cli.js', ['keys', 'revoke', '--id', apiKey.id], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('API key not found or already revoked');
    }, 60_000);

    it.each([
      [[]],
      [['--help']],
      [['teams', '--help']],
      [['keys']],
      [['keys', 'revoke', '--help']],
      [['vault', 'rotate', '-h']],
    ])('should print help for %j without touching the database', async (args) => {
      const result = await runNode('cli.js', args, { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^Usage: npm run cli -- /);
    });

    it('should explain a usage mistake with the help of its level and exit 2', async () => {
      const result = await runNode('cli.js', ['keys', 'list'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^--team is required\n\nUsage: npm run cli -- keys list --team <team>/);
    });

    it('should rotate the vault from the CLI, and refuse to start without a stored key id', async () => {
      const oldKey = randomVaultKey('old');
      const newKey = randomVaultKey('new');
      const team = JSON.parse(
        (
          await runNode('cli.js', ['teams', 'create', '--name', 'v'], {
            ...database.env,
            VAULT_KEYS: oldKey,
          })
        ).stdout,
      ) as {
        apiKey: string;
      };
      const service = await startService({
        ...database.env,
        VAULT_KEYS: oldKey,
        WORKER_ENABLED: 'false',
      });
      const created = await fetch(`${service.url}/v1/tokens`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${team.apiKey}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({ name: 'to rotate', value: 'v' }),
      });
      expect(created.status).toBe(201);
      await service.kill('SIGTERM');

      const refused = await runNode('main.js', [], {
        ...database.env,
        VAULT_KEYS: newKey,
        PORT: String(await freePort()),
      });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('"old"');

      const rotation = await runNode('cli.js', ['vault', 'rotate'], {
        ...database.env,
        VAULT_KEYS: `${newKey},${oldKey}`,
      });
      expect(rotation.code).toBe(0);
      const report = JSON.parse(rotation.stdout) as {
        primaryKeyId: string;
        rotated: { tokens: number };
        remaining: number;
      };
      expect(report).toMatchObject({ primaryKeyId: 'new', remaining: 0 });
      expect(report.rotated.tokens).toBeGreaterThan(0);

      const after = await startService({
        ...database.env,
        VAULT_KEYS: newKey,
        WORKER_ENABLED: 'false',
      });
      await after.kill('SIGTERM');
    }, 90_000);

    it('should serve with a stored token under an unknown key id, naming it, and rotate around it', async () => {
      const own = await createTestDatabase();
      try {
        await expectUnreadableTokenToStayLocal(own);
      } finally {
        await own.drop();
      }
    }, 90_000);

    it('should serve only /health and /metrics when API_ENABLED=false', async () => {
      const worker = await startService({
        ...database.env,
        API_ENABLED: 'false',
        WORKER_ENABLED: 'false',
      });
      try {
        expect((await fetch(`${worker.url}/health`)).status).toBe(200);
        expect((await fetch(`${worker.url}/metrics`)).status).toBe(200);
        expect((await fetch(`${worker.url}/v1/tasks`)).status).toBe(404);
        expect((await fetch(`${worker.url}/oauth/token`, { method: 'POST' })).status).toBe(404);
      } finally {
        await worker.kill('SIGTERM');
      }
    }, 60_000);

    it('should finish the requests in flight and exit on SIGTERM under keep-alive load', async () => {
      // A database of its own: the tests above leave vault rows under keys this one does not have.
      const own = await createTestDatabase();
      try {
        await expectCleanShutdownUnderLoad(own);
      } finally {
        await own.drop();
      }
    }, 60_000);
  });
});

/** DATA_DIR and pgdata 0700, the vault key 0600, and no file of the database open to others. */
function expectOwnerOnly(dataDir: string): void {
  const modeOf = (...path: string[]) => statSync(join(dataDir, ...path)).mode & 0o777;
  expect(modeOf()).toBe(0o700);
  expect(modeOf('pgdata')).toBe(0o700);
  expect(modeOf('pgdata', 'base')).toBe(0o700);
  expect(modeOf('vault.key')).toBe(0o600);
  for (const file of [['PG_VERSION'], ['global', 'pg_control'], ['global', 'pg_filenode.map'], ['postgresql.conf']]) {
    expect({ file, groupAndOther: modeOf('pgdata', ...file) & 0o077 }).toEqual({ file, groupAndOther: 0 });
  }
}

/**
 * A row under a key id VAULT_KEYS lacks, beside readable ones: the server starts and names it
 * (never a secret), other tokens still reach their target, a task that needs it fails without a
 * call, and "vault rotate" reports it instead of refusing to run.
 */
async function expectUnreadableTokenToStayLocal(own: TestDatabase): Promise<void> {
  const sink = await SinkServer.start();
  const db = new pg.Client({ connectionString: own.url });
  const env = {
    ...own.env,
    VAULT_KEYS: randomVaultKey('good'),
    ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
    EXECUTOR_POLL_INTERVAL_MS: '100',
  };
  let service: ServiceProcess | undefined;
  try {
    const created = await runNode('cli.js', ['teams', 'create', '--name', 'orphaned'], env);
    const { team, apiKey } = JSON.parse(created.stdout) as { team: { id: string }; apiKey: string };
    const canary = `sk-good-${Date.now()}-KEEP`;
    service = await startService({ ...env, WORKER_ENABLED: 'false' });
    const good = await new ApiClient(service.url, apiKey).request<{ token: { id: string } }>('POST', '/v1/tokens', {
      name: 'good',
      value: canary,
    });
    await service.kill('SIGTERM');

    const orphan = 'tok_01jrx7m2kabcdefghjkmnpqrst';
    await db.connect();
    await db.query(
      `INSERT INTO vault_tokens (id, team_id, name, key_id, iv, ciphertext, auth_tag)
       VALUES ($1, $2, 'orphan', 'bogus', $3, $4, $5)`,
      [orphan, team.id, randomBytes(12), randomBytes(24), randomBytes(16)],
    );

    service = await startService(env);
    const client = new ApiClient(service.url, apiKey);
    const kept = await client.createTask({
      targetUrl: sink.url('/good'),
      headers: { Authorization: good.body.token.id },
    });
    const lost = await client.createTask({ targetUrl: sink.url('/orphan'), headers: { Authorization: orphan } });
    const finished = async (id: string) => {
      const task = await client.task(id);
      return ['completed', 'failed'].includes(task.status) ? task : undefined;
    };
    expect(await waitFor(() => finished(kept), 15_000, 'the good task')).toMatchObject({ status: 'completed' });
    expect(sink.callsTo('/good')[0].headers.authorization).toBe(canary);
    expect(await waitFor(() => finished(lost), 15_000, 'the orphaned task')).toMatchObject({
      status: 'failed',
      error: `Vault token "${orphan}" cannot be read: Vault key "bogus" is not in VAULT_KEYS`,
    });
    expect(sink.callsTo('/orphan')).toHaveLength(0);
    await service.kill('SIGTERM');
    const warning = service
      .output()
      .split('\n')
      .find((line) => line.includes(orphan));
    expect(JSON.parse(warning ?? '{}')).toMatchObject({
      level: 'warn',
      msg: `Vault token ${orphan} is stored under key id "bogus", which VAULT_KEYS does not contain: tasks that reference it fail until the key is added back`,
    });
    expect(service.output()).not.toContain(canary);

    const rotation = await runNode('cli.js', ['vault', 'rotate'], env);
    expect(rotation.stderr).toBe('');
    expect(rotation.code).toBe(0);
    expect(JSON.parse(rotation.stdout)).toMatchObject({
      primaryKeyId: 'good',
      failed: [{ table: 'vault_tokens', id: orphan, error: 'Vault key "bogus" is not in VAULT_KEYS' }],
      remaining: 1,
    });
  } finally {
    await service?.kill('SIGKILL');
    await db.end().catch(() => undefined);
    await sink.close();
  }
}

/**
 * 16 keep-alive lanes create tasks as fast as they can, then the server gets SIGTERM: every
 * request answered before it stops is a 201, and it exits within the grace period. The team's
 * rate limit is lifted: at 600 a minute the lanes would meet 429s within the first second.
 */
async function expectCleanShutdownUnderLoad(own: TestDatabase): Promise<void> {
  const env = {
    ...own.env,
    VAULT_KEYS: randomVaultKey(),
    WORKER_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '10000000',
  };
  const team = await runNode('cli.js', ['teams', 'create', '--name', 'drain'], env);
  const { apiKey } = JSON.parse(team.stdout) as { apiKey: string };
  const api = await startService(env);
  try {
    await loadThenStop(api, apiKey);
  } finally {
    await api.kill('SIGKILL');
  }
}

async function loadThenStop(api: ServiceProcess, apiKey: string): Promise<void> {
  const outcomes = new Map<string, number>();
  let running = true;
  const lane = async () => {
    while (running) {
      try {
        const response = await fetch(`${api.url}/v1/tasks`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
          body: '{"targetUrl":"https://example.com/drain"}',
        });
        await response.text();
        outcomes.set(String(response.status), (outcomes.get(String(response.status)) ?? 0) + 1);
      } catch {
        // Refused or reset once the server stops accepting: the client retries elsewhere.
        outcomes.set('connection error', (outcomes.get('connection error') ?? 0) + 1);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  const lanes = Array.from({ length: 16 }, lane);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const stoppedAt = Date.now();
  expect(await api.kill('SIGTERM')).toBe('SIGTERM');
  expect(Date.now() - stoppedAt).toBeLessThan(15_000);
  running = false;
  await Promise.all(lanes);
  expect(outcomes.get('201')).toBeGreaterThan(0);
  expect([...outcomes.keys()].filter((key) => /^\d+$/.test(key) && key !== '201')).toEqual([]);
}
