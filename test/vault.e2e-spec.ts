import { VaultService } from '../src/vault/vault.service.js';
import { VaultRotationService } from '../src/vault/vault-rotation.service.js';
import { parseVaultKey } from '../src/config/configuration.js';
import { VaultCryptoService } from '../src/vault/vault-crypto.service.js';
import { VaultKeyringCheckService } from '../src/vault/vault-keyring-check.service.js';
import { VaultKeyring } from '../src/vault/vault-keyring.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { testDatabaseKind } from './helpers/test-env.js';
import { bearer, randomVaultKey, startServingTestApp, startTestApp, type TestApp } from './helpers/test-app.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

const TOKEN_ID = /^tok_[0-9a-hjkmnp-tv-z]{26}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('Token Vault (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let teamA: { teamId: string; key: string };
  let teamB: { teamId: string; key: string };
  const keyOne = randomVaultKey('k1');

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, { VAULT_KEYS: keyOne });
    teamA = await sut.createTeam('a');
    teamB = await sut.createTeam('b');
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  const create = (key: string, body: unknown) =>
    sut
      .http()
      .post('/v1/tokens')
      .set(bearer(key))
      .send(body as object);

  describe('seed examples', () => {
    it('should create a token and answer 201 with id, name, createdAt and its (absent) binding only', async () => {
      const response = await create(teamA.key, {
        name: 'OpenAI Production',
        value: 'sk-proj-abc123',
      }).expect(201);
      expect(Object.keys(response.body.token).sort()).toEqual(['allowedHosts', 'createdAt', 'id', 'name']);
      expect(response.body.token).toEqual({
        id: expect.stringMatching(TOKEN_ID),
        name: 'OpenAI Production',
        createdAt: expect.stringMatching(ISO),
        allowedHosts: null,
      });
    });

    it('should list active tokens oldest first, metadata only', async () => {
      const first = await create(teamB.key, {
        name: 'OpenAI Production',
        value: 'sk-1',
      }).expect(201);
      const second = await create(teamB.key, {
        name: 'Replicate API Key',
        value: 'r8-2',
      }).expect(201);
      const response = await sut.http().get('/v1/tokens').set(bearer(teamB.key)).expect(200);
      expect(response.body).toEqual({
        tokens: [first.body.token, second.body.token],
      });
    });

    it('should revoke a token, drop it from the list, and 404 a second revoke', async () => {
      const created = await create(teamA.key, {
        name: 'to revoke',
        value: 'v',
      }).expect(201);
      const id = created.body.token.id as string;
      const revoked = await sut.http().delete(`/v1/tokens/${id}`).set(bearer(teamA.key)).expect(200);
      expect(revoked.body).toEqual({
        token: { id, name: 'to revoke', revokedAt: expect.stringMatching(ISO) },
      });
      const list = await sut.http().get('/v1/tokens').set(bearer(teamA.key)).expect(200);
      expect(list.body.tokens.map((t: { id: string }) => t.id)).not.toContain(id);
      const again = await sut.http().delete(`/v1/tokens/${id}`).set(bearer(teamA.key)).expect(404);
      expect(again.body).toEqual({
        error: 'Token not found or already revoked',
      });
    });

    it("should answer 404 for an unknown id and for another team's token", async () => {
      const created = await create(teamA.key, {
        name: 'mine',
        value: 'v',
      }).expect(201);
      const foreign = await sut.http().delete(`/v1/tokens/${created.body.token.id}`).set(bearer(teamB.key)).expect(404);
      expect(foreign.body).toEqual({
        error: 'Token not found or already revoked',
      });
      for (const id of ['tok_01jrx7m2kabcdefghjkmnpqrst', 'nonsense']) {
        const unknown = await sut.http().delete(`/v1/tokens/${id}`).set(bearer(teamA.key)).expect(404);
        expect(unknown.body).toEqual({
          error: 'Token not found or already revoked',
        });
      }
      const list = await sut.http().get('/v1/tokens').set(bearer(teamB.key)).expect(200);
      expect(list.body.tokens.map((t: { id: string }) => t.id)).not.toContain(created.body.token.id);
    });

    it('should refuse a task header naming an unknown or revoked token', async () => {
      const created = await create(teamA.key, {
        name: 'soon revoked',
        value: 'v',
      }).expect(201);
      const id = created.body.token.id as string;
      await sut.http().delete(`/v1/tokens/${id}`).set(bearer(teamA.key)).expect(200);
      const response = await sut
        .http()
        .post('/v1/tasks')
        .set(bearer(teamA.key))
        .send({
          targetUrl: 'https://api.openai.com/v1/chat/completions',
          headers: { Authorization: id },
        })
        .expect(400);
      expect(response.body).toEqual({
        error: `Header "Authorization" references unknown vault token "${id}"`,
      });
    });
  });

  describe('validation', () => {
    it.each([
      [{ value: 'v' }, 'name is required'],
      [{ name: '', value: 'v' }, 'name is required'],
      [{ name: '   ', value: 'v' }, 'name is required'],
      [{ name: 'n' }, 'value is required'],
      [{ name: 'n', value: '' }, 'value is required'],
      [{ name: 7, value: 'v' }, 'name must be a string'],
      [{ name: 'n', value: 42 }, 'value must be a string'],
      [{ name: 'n'.repeat(101), value: 'v' }, 'name must be at most 100 characters'],
      [{ name: 'n', value: 'v'.repeat(8193) }, 'value must be at most 8 KiB'],
      [{ name: 'n', value: 'a\r\nX-Injected: 1' }, 'value must not contain CR, LF or NUL characters'],
      [{ name: 'n', value: 'a\nb' }, 'value must not contain CR, LF or NUL characters'],
      [{ name: 'n', value: 'a\u0000b' }, 'value must not contain CR, LF or NUL characters'],
      [{ name: 'n', value: 'v', extra: true }, 'property extra should not exist'],
    ])('should refuse case %# with "%s" and store nothing', async (body, message) => {
      const before: { n: number }[] = await sut.db.query('SELECT count(*)::int AS n FROM vault_tokens');
      const response = await create(teamA.key, body).expect(400);
      expect(response.body).toEqual({ error: message });
      const after: { n: number }[] = await sut.db.query('SELECT count(*)::int AS n FROM vault_tokens');
      expect(after[0].n).toBe(before[0].n);
    });

    it('should accept the edge values: 100-character name (trimmed) and 8 KiB value', async () => {
      const response = await create(teamA.key, {
        name: `  ${'n'.repeat(100)}  `,
        value: 'v'.repeat(8192),
      }).expect(201);
      expect(response.body.token.name).toBe('n'.repeat(100));
    });
  });

  describe('destination binding', () => {
    const task = (key: string, body: Record<string, unknown>, idempotencyKey?: string) => {
      const request = sut.http().post('/v1/tasks').set(bearer(key));
      if (idempotencyKey) request.set('Idempotency-Key', idempotencyKey);
      return request.send(body);
    };
    const countTasks = async () => {
      const [{ n }] = await sut.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM tasks');
      return n;
    };
    const bound = async (allowedHosts: string[]) =>
      (await create(teamA.key, { name: 'bound', value: 'sk-bound', allowedHosts }).expect(201)).body.token.id as string;
    const refusal = (id: string, host: string) => ({ error: `Vault token "${id}" may not be sent to host "${host}"` });

    it('should store allowedHosts normalised and deduplicated, and show them in the list', async () => {
      const created = await create(teamB.key, {
        name: 'OpenAI bound',
        value: 'sk-1',
        allowedHosts: ['API.OpenAI.com', '*.openai.com', 'api.openai.com', '127.0.0.1', '::1'],
      }).expect(201);
      expect(created.body.token).toEqual({
        id: expect.stringMatching(TOKEN_ID),
        name: 'OpenAI bound',
        createdAt: expect.stringMatching(ISO),
        allowedHosts: ['api.openai.com', '*.openai.com', '127.0.0.1', '[::1]'],
      });
      const unbound = await create(teamB.key, { name: 'explicitly unbound', value: 'v', allowedHosts: null }).expect(
        201,
      );
      expect(unbound.body.token.allowedHosts).toBeNull();
      const list = await sut.http().get('/v1/tokens').set(bearer(teamB.key)).expect(200);
      expect(list.body.tokens).toEqual(expect.arrayContaining([created.body.token, unbound.body.token]));
      const rows: { allowed_hosts: string[] | null }[] = await sut.db.query(
        'SELECT allowed_hosts FROM vault_tokens WHERE id = $1',
        [created.body.token.id],
      );
      expect(rows[0].allowed_hosts).toEqual(['api.openai.com', '*.openai.com', '127.0.0.1', '[::1]']);
    });

    it.each([
      [{ allowedHosts: 'api.openai.com' }, 'allowedHosts must be an array of host names'],
      [{ allowedHosts: [] }, 'allowedHosts must have at least 1 entry'],
      [
        { allowedHosts: Array.from({ length: 21 }, (_, i) => `h${i}.example.com`) },
        'allowedHosts must have at most 20 entries',
      ],
      [{ allowedHosts: ['a.com', 'b.com', 'https://c.com/'] }, 'allowedHosts[2] must be a host name or *.suffix'],
      [{ allowedHosts: ['*'] }, 'allowedHosts[0] must be a host name or *.suffix'],
      [{ allowedHosts: ['a.com', 42] }, 'allowedHosts[1] must be a host name or *.suffix'],
      [{ allowedHosts: ['a.com:443'] }, 'allowedHosts[0] must be a host name or *.suffix'],
      [{ allowedHosts: ['a.com'], allowedPaths: ['/'] }, 'property allowedPaths should not exist'],
    ])('should refuse %j with "%s" and store nothing', async (fields, message) => {
      const before: { n: number }[] = await sut.db.query('SELECT count(*)::int AS n FROM vault_tokens');
      const response = await create(teamA.key, { name: 'n', value: 'v', ...fields }).expect(400);
      expect(response.body).toEqual({ error: message });
      const after: { n: number }[] = await sut.db.query('SELECT count(*)::int AS n FROM vault_tokens');
      expect(after[0].n).toBe(before[0].n);
    });

    it('should refuse a task to a host the token does not allow, naming token and host, and store nothing', async () => {
      const id = await bound(['api.openai.com', '*.replicate.com']);
      for (const targetUrl of [
        'https://evil.example.com/collect',
        'https://openai.com/v1',
        'https://api.openai.com.evil.com/v1',
        'https://replicate.com/v1',
        'https://API.Evil.COM/x',
      ]) {
        const before = await countTasks();
        const response = await task(teamA.key, { targetUrl, headers: { Authorization: id } }).expect(400);
        expect(response.body).toEqual(refusal(id, new URL(targetUrl).hostname));
        expect(await countTasks()).toBe(before);
      }
    });

    it('should accept a task to an exact host or a subdomain of a *.suffix', async () => {
      const id = await bound(['api.openai.com', '*.replicate.com']);
      for (const targetUrl of [
        'https://api.openai.com/v1/chat/completions',
        'https://API.OPENAI.COM:8443/v1',
        'https://api.replicate.com/v1/predictions',
        'https://a.b.replicate.com/v1',
      ]) {
        await task(teamA.key, { targetUrl, headers: { Authorization: id }, delayUntil: '2999-01-01T00:00:00Z' }).expect(
          201,
        );
      }
    });

    it('should leave unbound tokens going anywhere, and judge each reference of a task on its own', async () => {
      const unbound = (await create(teamA.key, { name: 'free', value: 'v' }).expect(201)).body.token.id as string;
      const id = await bound(['api.openai.com']);
      await task(teamA.key, { targetUrl: 'https://anywhere.example/x', headers: { Authorization: unbound } }).expect(
        201,
      );
      const mixed = await task(teamA.key, {
        targetUrl: 'https://anywhere.example/x',
        headers: { 'X-Free': unbound, Authorization: id },
      }).expect(400);
      expect(mixed.body).toEqual(refusal(id, 'anywhere.example'));
    });

    it('should report an unknown reference before a binding that refuses the host', async () => {
      const id = await bound(['api.openai.com']);
      const response = await task(teamA.key, {
        targetUrl: 'https://anywhere.example/x',
        headers: { Authorization: id, 'X-Other': 'tok_01jrx7m2kabcdefghjkmnpqrst' },
      }).expect(400);
      expect(response.body).toEqual({
        error: 'Header "X-Other" references unknown vault token "tok_01jrx7m2kabcdefghjkmnpqrst"',
      });
    });

    it('should apply the same rule on the idempotent path', async () => {
      const id = await bound(['api.openai.com']);
      const refused = await task(
        teamA.key,
        { targetUrl: 'https://evil.example/x', headers: { Authorization: id } },
        'bound-refused',
      ).expect(400);
      expect(refused.body).toEqual(refusal(id, 'evil.example'));
      const body = { targetUrl: 'https://api.openai.com/v1', headers: { Authorization: id } };
      const first = await task(teamA.key, body, 'bound-accepted').expect(201);
      const replay = await task(teamA.key, body, 'bound-accepted').expect(200);
      expect(replay.body.task.id).toBe(first.body.task.id);
    });

    it('should judge a fixed status or result URL host when the task forwards its auth', async () => {
      const id = await bound(['api.example.com', '*.jobs.example.com']);
      const pollConfig = (fields: Record<string, unknown>) => ({
        statusPath: 'status',
        doneValues: ['done'],
        failValues: ['failed'],
        ...fields,
      });
      const submit = { targetUrl: 'https://api.example.com/submit', headers: { Authorization: id } };
      const status = await task(teamA.key, {
        ...submit,
        pollConfig: pollConfig({ urlTemplate: 'https://status.other.com/{startResult.body.id}', forwardAuth: true }),
      }).expect(400);
      expect(status.body).toEqual(refusal(id, 'status.other.com'));
      const result = await task(teamA.key, {
        ...submit,
        pollConfig: pollConfig({
          urlTemplate: 'https://eu.jobs.example.com/{startResult.body.id}',
          resultUrlTemplate: 'https://cdn.other.com/{startResult.body.id}',
          forwardAuth: true,
        }),
      }).expect(400);
      expect(result.body).toEqual(refusal(id, 'cdn.other.com'));
      for (const accepted of [
        { urlTemplate: 'https://status.other.com/{startResult.body.id}', forwardAuth: false },
        { urlTemplate: '{startResult.body.statusUrl}', forwardAuth: true },
        { urlTemplate: 'https://eu.jobs.example.com/{startResult.body.id}', forwardAuth: true },
      ]) {
        await task(teamA.key, { ...submit, pollConfig: pollConfig(accepted) }).expect(201);
      }
    });

    it("should judge a provider template's fixed host", async () => {
      const id = await bound(['gateway.example.com']);
      const refused = await task(teamA.key, {
        targetUrl: 'https://gateway.example.com/runway/v1/image_to_video',
        headers: { Authorization: id },
        provider: 'runwayml',
      }).expect(400);
      expect(refused.body).toEqual(refusal(id, 'api.dev.runwayml.com'));
      const runway = await bound(['*.runwayml.com']);
      await task(teamA.key, {
        targetUrl: 'https://api.dev.runwayml.com/v1/image_to_video',
        headers: { Authorization: runway },
        provider: 'runwayml',
      }).expect(201);
      await task(teamA.key, {
        targetUrl: 'https://gateway.example.com/fal/model',
        headers: { Authorization: id },
        provider: 'fal',
      }).expect(201);
    });

    it("should not let another team's binding or token decide", async () => {
      const id = await bound(['api.openai.com']);
      const response = await task(teamB.key, {
        targetUrl: 'https://api.openai.com/v1',
        headers: { Authorization: id },
      }).expect(400);
      expect(response.body).toEqual({ error: `Header "Authorization" references unknown vault token "${id}"` });
    });
  });

  describe('storage', () => {
    it('should store ciphertext bound to its row, never the value', async () => {
      const canary = `canary-${Date.now()}-value`;
      const created = await create(teamA.key, {
        name: 'canary',
        value: canary,
      }).expect(201);
      expect(JSON.stringify(created.body)).not.toContain(canary);
      const rows: Record<string, unknown>[] = await sut.db.query('SELECT * FROM vault_tokens');
      const dump = JSON.stringify(
        rows.map((row) =>
          Object.values(row).map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v)),
        ),
      );
      expect(dump).not.toContain(canary);
      const secret = await sut.app.get(VaultService).resolve(teamA.teamId, created.body.token.id);
      expect(secret.toString()).toBe(canary);
    });

    it('should not decrypt a ciphertext copied to another row', async () => {
      const source = await create(teamA.key, {
        name: 'src',
        value: 'the-secret',
      }).expect(201);
      const target = await create(teamB.key, {
        name: 'dst',
        value: 'other',
      }).expect(201);
      await sut.db.query(
        `UPDATE vault_tokens d SET iv = s.iv, ciphertext = s.ciphertext, auth_tag = s.auth_tag
         FROM vault_tokens s WHERE s.id = $1 AND d.id = $2`,
        [source.body.token.id, target.body.token.id],
      );
      await expect(sut.app.get(VaultService).resolve(teamB.teamId, target.body.token.id)).rejects.toThrow(
        'integrity check',
      );
      await sut.db.query('DELETE FROM vault_tokens WHERE id = $1', [target.body.token.id]);
    });

    it("should refuse to resolve revoked tokens and other teams' tokens", async () => {
      const created = await create(teamA.key, { name: 'x', value: 'v' }).expect(201);
      const vault = sut.app.get(VaultService);
      await expect(vault.resolve(teamB.teamId, created.body.token.id)).rejects.toThrow(
        `Vault token "${created.body.token.id}" was revoked`,
      );
      await sut.http().delete(`/v1/tokens/${created.body.token.id}`).set(bearer(teamA.key)).expect(200);
      await expect(vault.resolve(teamA.teamId, created.body.token.id)).rejects.toThrow('was revoked');
    });
  });

  describe('key rotation', () => {
    it('should re-encrypt every row under the new primary, after which the old key can go', async () => {
      const created = await create(teamA.key, {
        name: 'rotating',
        value: 'rotate-me',
      }).expect(201);
      const secretBefore = await sut.http().get('/v1/webhook-secret').set(bearer(teamA.key)).expect(200);
      const tampered = await create(teamB.key, {
        name: 'tampered',
        value: 'x',
      }).expect(201);
      await sut.db.query(
        `UPDATE vault_tokens d SET ciphertext = s.ciphertext, iv = s.iv, auth_tag = s.auth_tag
         FROM vault_tokens s WHERE s.id = $1 AND d.id = $2`,
        [created.body.token.id, tampered.body.token.id],
      );
      const keyTwo = randomVaultKey('k2');
      const rotating = await startTestApp(database, {
        VAULT_KEYS: `${keyTwo},${keyOne}`,
      });
      const report = await rotating.app.get(VaultRotationService).rotate();
      await rotating.close();
      expect(report.primaryKeyId).toBe('k2');
      expect(report.rotated.tokens).toBeGreaterThan(0);
      expect(report.rotated.webhookSecrets).toBeGreaterThan(0);
      expect(report.failed).toEqual([
        { table: 'vault_tokens', id: tampered.body.token.id, error: 'Stored secret failed its integrity check' },
      ]);
      expect(report.remaining).toBe(1);
      await sut.db.query('DELETE FROM vault_tokens WHERE id = $1', [tampered.body.token.id]);

      const withoutK2 = new VaultCryptoService(new VaultKeyring([parseVaultKey(randomVaultKey('k3'))]));
      await expect(new VaultKeyringCheckService(sut.db, withoutK2).onModuleInit()).rejects.toThrow('"k2"');
      const onlyNew = await startTestApp(database, { VAULT_KEYS: keyTwo });
      try {
        const secret = await onlyNew.app.get(VaultService).resolve(teamA.teamId, created.body.token.id);
        expect(secret.toString()).toBe('rotate-me');
        const secretAfter = await onlyNew.http().get('/v1/webhook-secret').set(bearer(teamA.key)).expect(200);
        expect(secretAfter.body.webhookSecret).toBe(secretBefore.body.webhookSecret);
      } finally {
        await onlyNew.close();
      }
    });
  });

  describe('webhook secret', () => {
    it('should return a stable whsec_ secret and rotate it', async () => {
      const first = await sut.http().get('/v1/webhook-secret').set(bearer(teamB.key)).expect(200);
      expect(first.body.webhookSecret).toMatch(/^whsec_/);
      const again = await sut.http().get('/v1/webhook-secret').set(bearer(teamB.key)).expect(200);
      expect(again.body.webhookSecret).toBe(first.body.webhookSecret);
      const rotated = await sut.http().post('/v1/webhook-secret/rotate').set(bearer(teamB.key)).expect(200);
      expect(rotated.body.webhookSecret).toMatch(/^whsec_/);
      expect(rotated.body.webhookSecret).not.toBe(first.body.webhookSecret);
      const rows: { ciphertext: Uint8Array }[] = await sut.db.query('SELECT ciphertext FROM webhook_secrets');
      expect(JSON.stringify(rows)).not.toContain(rotated.body.webhookSecret);
    });
  });

  (testDatabaseKind() === 'postgres' ? describe : describe.skip)('without a keyring', () => {
    it('should answer 503 on every vault endpoint and on tok_ references', async () => {
      const bare = await startTestApp(database, { VAULT_KEYS: '' });
      try {
        const { key } = await bare.createTeam('no-vault');
        const expected = { error: 'Token vault is not configured' };
        expect(
          (await bare.http().post('/v1/tokens').set(bearer(key)).send({ name: 'n', value: 'v' }).expect(503)).body,
        ).toEqual(expected);
        expect((await bare.http().post('/v1/tokens').set(bearer(key)).send({}).expect(503)).body).toEqual(expected);
        expect((await bare.http().get('/v1/tokens').set(bearer(key)).expect(503)).body).toEqual(expected);
        expect((await bare.http().delete('/v1/tokens/tok_x').set(bearer(key)).expect(503)).body).toEqual(expected);
        expect((await bare.http().get('/v1/webhook-secret').set(bearer(key)).expect(503)).body).toEqual(expected);
        const task = await bare
          .http()
          .post('/v1/tasks')
          .set(bearer(key))
          .send({
            targetUrl: 'https://example.com',
            headers: { Authorization: 'tok_01jrx7m2kabcdefghjkmnpqrst' },
          })
          .expect(503);
        expect(task.body).toEqual(expected);
        await bare.http().post('/v1/tasks').set(bearer(key)).send({ targetUrl: 'https://example.com' }).expect(201);
      } finally {
        await bare.close();
      }
    });
  });
  describe('a stored row under a key id VAULT_KEYS lacks', () => {
    let own: TestDatabase;
    let serving: TestApp;
    let sink: SinkServer;
    let team: { teamId: string; key: string };

    beforeAll(async () => {
      own = await createTestDatabase();
      serving = await startServingTestApp(own);
      sink = await SinkServer.start();
      team = await serving.createTeam('orphaned secret');
    });

    afterAll(async () => {
      await serving?.close();
      await sink?.close();
      await own?.drop();
    });

    /** The task once it has ended and its completion webhook has been dealt with. */
    const finished = async (id: string) => {
      const response = await serving.http().get(`/v1/tasks/${id}`).set(bearer(team.key));
      const task = response.body.task as { status: string; onCompleteDelivery: { status: string } | null };
      const delivery = task.onCompleteDelivery?.status ?? '';
      return ['completed', 'failed'].includes(task.status) && ['delivered', 'failed'].includes(delivery)
        ? task
        : undefined;
    };

    it('should let the service start beside it, and refuse only when no stored row is readable', async () => {
      await serving.http().post('/v1/tokens').set(bearer(team.key)).send({ name: 'readable', value: 'v' }).expect(201);
      await serving.http().get('/v1/webhook-secret').set(bearer(team.key)).expect(200);
      await serving.db.query(`UPDATE webhook_secrets SET key_id = 'bogus' WHERE team_id = $1`, [team.teamId]);
      const configured = serving.app.get(VaultCryptoService);
      await expect(new VaultKeyringCheckService(serving.db, configured).onModuleInit()).resolves.toBeUndefined();
      const other = new VaultCryptoService(new VaultKeyring([parseVaultKey(randomVaultKey('other'))]));
      await expect(new VaultKeyringCheckService(serving.db, other).onModuleInit()).rejects.toThrow(
        /^Stored vault secrets use key id (".+", )?"bogus", .*which VAULT_KEYS does not contain/,
      );
    });

    it("should fail the team's calls and completion webhooks with a clear error until the secret is rotated", async () => {
      const conflict = await serving.http().get('/v1/webhook-secret').set(bearer(team.key)).expect(409);
      expect(conflict.body).toEqual({
        error:
          "The team's webhook secret cannot be read with the configured VAULT_KEYS; replace it with POST /v1/webhook-secret/rotate",
      });
      const created = await serving
        .http()
        .post('/v1/tasks')
        .set(bearer(team.key))
        .send({ targetUrl: sink.url('/unsigned'), onCompleteUrl: sink.url('/unsigned-done'), maxRetries: 0 })
        .expect(201);
      const failed = await waitFor(() => finished(created.body.task.id as string), 15_000, 'the task to fail');
      expect(failed).toMatchObject({
        status: 'failed',
        error: conflict.body.error,
        onCompleteDelivery: { status: 'failed', statusCode: null, error: conflict.body.error },
      });
      expect(sink.calls).toHaveLength(0);

      const rotated = await serving.http().post('/v1/webhook-secret/rotate').set(bearer(team.key)).expect(200);
      const again = await serving
        .http()
        .post('/v1/tasks')
        .set(bearer(team.key))
        .send({ targetUrl: sink.url('/signed'), onCompleteUrl: sink.url('/signed-done') })
        .expect(201);
      expect(await waitFor(() => finished(again.body.task.id as string), 15_000, 'the task to complete')).toMatchObject(
        { status: 'completed', onCompleteDelivery: { status: 'delivered' } },
      );
      expect(sink.callsTo('/signed')[0].headers['x-asyncqueue-signature']).toMatch(/^t=\d+,v1=/);
      expect(JSON.stringify(sink.calls)).not.toContain(rotated.body.webhookSecret);
    });
  });
});
