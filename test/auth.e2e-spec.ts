import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { IS_PUBLIC_KEY } from '../src/common/access/public.decorator.js';
import { API_KEY_ONLY_KEY, REQUIRED_SCOPES_KEY } from '../src/common/access/require-scopes.decorator.js';
import { generateApiKey } from '../src/auth/credentials/api-key-format.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

describe('Auth (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let teamA: { teamId: string; key: string };
  let teamB: { teamId: string; key: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database);
    teamA = await sut.createTeam('a');
    teamB = await sut.createTeam('b');
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  async function newClient(scopes: string[], key = teamA.key): Promise<{ id: string; secret: string }> {
    const response = await sut
      .http()
      .post('/v1/oauth/clients')
      .set(bearer(key))
      .send({ name: 'ci', scopes })
      .expect(201);
    return { id: response.body.client.id, secret: response.body.clientSecret };
  }

  async function accessToken(client: { id: string; secret: string }, scope?: string): Promise<string> {
    const form: Record<string, string> = { grant_type: 'client_credentials' };
    if (scope) form.scope = scope;
    const response = await sut
      .http()
      .post('/oauth/token')
      .auth(client.id, client.secret)
      .type('form')
      .send(form)
      .expect(200);
    return response.body.access_token as string;
  }

  describe('credentials', () => {
    it('should answer 401 "API key required" without a credential', async () => {
      const response = await sut.http().get('/v1/tokens').expect(401);
      expect(response.body).toEqual({ error: 'API key required' });
    });

    it.each([
      ['a malformed key', 'aq_live_short'],
      ['a key with a bad checksum', `${generateApiKey().slice(0, -1)}0`],
      ['an unknown well-formed key', generateApiKey()],
      ['something else entirely', 'hello'],
    ])('should answer 401 "Invalid or revoked API key" for %s', async (_case, candidate) => {
      const response = await sut.http().get('/v1/tokens').set(bearer(candidate)).expect(401);
      expect(response.body).toEqual({ error: 'Invalid or revoked API key' });
    });

    it('should accept the X-API-Key header', async () => {
      await sut.http().get('/v1/tokens').set('X-API-Key', teamA.key).expect(200);
    });

    it('should refuse credentials in the query string', async () => {
      const response = await sut.http().get(`/v1/tokens?access_token=${teamA.key}`).expect(400);
      expect(response.body.error).toContain('Authorization or X-API-Key header');
    });

    it('should answer 401 with WWW-Authenticate for a bad access token', async () => {
      const response = await sut
        .http()
        .get('/v1/tokens')
        .set(bearer(`aq_at_${'x'.repeat(43)}`))
        .expect(401);
      expect(response.body).toEqual({
        error: 'Invalid or expired access token',
      });
      expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    });
  });

  describe('API keys', () => {
    it('should create a key shown once, list it without the secret, and revoke it at once', async () => {
      const created = await sut.http().post('/v1/api-keys').set(bearer(teamA.key)).send({ name: 'deploy' }).expect(201);
      expect(created.body.key).toMatch(/^aq_live_[0-9A-Za-z]{49}$/);
      expect(created.body.apiKey).toMatchObject({
        name: 'deploy',
        lastUsedAt: null,
      });
      expect(created.body.key.startsWith(created.body.apiKey.prefix)).toBe(true);
      const newKey = created.body.key as string;
      await sut.http().get('/v1/tasks').set(bearer(newKey)).expect(200);

      const list = await sut.http().get('/v1/api-keys').set(bearer(teamA.key)).expect(200);
      expect(JSON.stringify(list.body)).not.toContain(newKey);
      expect(list.body.apiKeys.map((k: { id: string }) => k.id)).toContain(created.body.apiKey.id);

      const revoked = await sut
        .http()
        .delete(`/v1/api-keys/${created.body.apiKey.id}`)
        .set(bearer(teamA.key))
        .expect(200);
      expect(revoked.body.apiKey.revokedAt).toEqual(expect.any(String));
      const denied = await sut.http().get('/v1/tasks').set(bearer(newKey)).expect(401);
      expect(denied.body).toEqual({ error: 'Invalid or revoked API key' });
    });

    it("should answer 404 for another team's key", async () => {
      const created = await sut.http().post('/v1/api-keys').set(bearer(teamA.key)).send({ name: 'x' }).expect(201);
      const response = await sut
        .http()
        .delete(`/v1/api-keys/${created.body.apiKey.id}`)
        .set(bearer(teamB.key))
        .expect(404);
      expect(response.body).toEqual({
        error: 'API key not found or already revoked',
      });
      await sut.http().delete('/v1/api-keys/not-a-uuid').set(bearer(teamB.key)).expect(404);
    });

    it('should store only hashes of keys', async () => {
      const rows: { key_hash: string }[] = await sut.db.query('SELECT key_hash FROM api_keys');
      const dump = JSON.stringify(rows);
      expect(dump).not.toContain(teamA.key);
      expect(dump).not.toContain(teamA.key.slice(8, 40));
    });
  });

  describe('OAuth 2.0', () => {
    it('should issue a token with the client scopes by default (Basic auth, form body)', async () => {
      const client = await newClient(['tokens:read', 'tasks:read']);
      const response = await sut
        .http()
        .post('/oauth/token')
        .auth(client.id, client.secret)
        .type('form')
        .send({ grant_type: 'client_credentials' })
        .expect(200);
      expect(response.body).toEqual({
        access_token: expect.stringMatching(/^aq_at_/),
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'tokens:read tasks:read',
      });
      expect(response.headers['cache-control']).toBe('no-store');
    });

    it('should accept JSON with client credentials in the body and a narrower scope', async () => {
      const client = await newClient(['tokens:read', 'tasks:read']);
      const response = await sut
        .http()
        .post('/oauth/token')
        .send({
          grant_type: 'client_credentials',
          client_id: client.id,
          client_secret: client.secret,
          scope: 'tasks:read',
        })
        .expect(200);
      expect(response.body.scope).toBe('tasks:read');
    });

    it('should answer invalid_client with WWW-Authenticate: Basic for a bad secret', async () => {
      const client = await newClient(['tokens:read']);
      const response = await sut
        .http()
        .post('/oauth/token')
        .auth(client.id, 'aqcs_wrong')
        .type('form')
        .send({ grant_type: 'client_credentials' })
        .expect(401);
      expect(response.body.error).toBe('invalid_client');
      expect(response.body.error_description).toEqual(expect.any(String));
      expect(response.headers['www-authenticate']).toMatch(/^Basic/);
    });

    it('should answer invalid_scope for a scope beyond the client', async () => {
      const client = await newClient(['tokens:read']);
      const response = await sut
        .http()
        .post('/oauth/token')
        .auth(client.id, client.secret)
        .type('form')
        .send({ grant_type: 'client_credentials', scope: 'tokens:write' })
        .expect(400);
      expect(response.body.error).toBe('invalid_scope');
    });

    it('should answer unsupported_grant_type and invalid_request', async () => {
      const client = await newClient(['tokens:read']);
      const unsupported = await sut
        .http()
        .post('/oauth/token')
        .auth(client.id, client.secret)
        .type('form')
        .send({ grant_type: 'password' })
        .expect(400);
      expect(unsupported.body.error).toBe('unsupported_grant_type');
      const missing = await sut
        .http()
        .post('/oauth/token')
        .auth(client.id, client.secret)
        .type('form')
        .send({})
        .expect(400);
      expect(missing.body.error).toBe('invalid_request');
    });

    it('should enforce scopes with 403 and WWW-Authenticate', async () => {
      const token = await accessToken(await newClient(['tokens:read']));
      await sut.http().get('/v1/tokens').set(bearer(token)).expect(200);
      const response = await sut
        .http()
        .post('/v1/tokens')
        .set(bearer(token))
        .send({ name: 'n', value: 'v' })
        .expect(403);
      expect(response.body).toEqual({
        error: 'Insufficient scope: requires tokens:write',
      });
      expect(response.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="tokens:write"');
    });

    it('should refuse OAuth tokens on key-only routes', async () => {
      const token = await accessToken(await newClient(['tokens:read', 'tokens:write', 'tasks:read', 'tasks:write']));
      for (const path of ['/v1/api-keys', '/v1/oauth/clients', '/v1/webhook-secret']) {
        const response = await sut.http().get(path).set(bearer(token)).expect(403);
        expect(response.body).toEqual({
          error: 'This endpoint requires an API key',
        });
      }
    });

    it('should walk the scope matrix', async () => {
      const matrix: [string, string, string][] = [
        ['post', '/v1/tokens', 'tokens:write'],
        ['get', '/v1/tokens', 'tokens:read'],
        ['delete', '/v1/tokens/tok_x', 'tokens:write'],
        ['post', '/v1/tasks', 'tasks:write'],
        ['get', '/v1/tasks', 'tasks:read'],
        ['get', '/v1/tasks/x', 'tasks:read'],
        ['get', '/v1/tasks/x/attempts', 'tasks:read'],
        ['post', '/v1/tasks/x/cancel', 'tasks:write'],
        ['post', '/v1/tasks/x/retry', 'tasks:write'],
      ];
      const all = ['tokens:read', 'tokens:write', 'tasks:read', 'tasks:write'];
      for (const [method, path, scope] of matrix) {
        const without = await accessToken(await newClient(all.filter((s) => s !== scope)));
        const send = (token: string) => sut.http()[method as 'get'](path).set(bearer(token)).send({});
        const denied = await send(without);
        expect([method, path, denied.status, denied.body]).toEqual([
          method,
          path,
          403,
          { error: `Insufficient scope: requires ${scope}` },
        ]);
        const withScope = await accessToken(await newClient([scope]));
        const allowed = await send(withScope);
        expect([method, path, allowed.status]).not.toEqual([method, path, 403]);
      }
    });

    it('should revoke (RFC 7009) only the caller’s own tokens, effective at once', async () => {
      const owner = await newClient(['tokens:read']);
      const stranger = await newClient(['tokens:read']);
      const token = await accessToken(owner);
      await sut
        .http()
        .post('/oauth/revoke')
        .auth(stranger.id, stranger.secret)
        .type('form')
        .send({ token })
        .expect(200);
      await sut.http().get('/v1/tokens').set(bearer(token)).expect(200);
      await sut.http().post('/oauth/revoke').auth(owner.id, owner.secret).type('form').send({ token }).expect(200);
      await sut.http().get('/v1/tokens').set(bearer(token)).expect(401);
      await sut
        .http()
        .post('/oauth/revoke')
        .auth(owner.id, owner.secret)
        .type('form')
        .send({ token: 'nonsense' })
        .expect(200);
    });

    it('should introspect (RFC 7662) for the issuing client only', async () => {
      const owner = await newClient(['tasks:read']);
      const stranger = await newClient(['tasks:read']);
      const token = await accessToken(owner);
      const active = await sut
        .http()
        .post('/oauth/introspect')
        .auth(owner.id, owner.secret)
        .type('form')
        .send({ token })
        .expect(200);
      expect(active.body).toEqual({
        active: true,
        scope: 'tasks:read',
        client_id: owner.id,
        exp: expect.any(Number),
        iat: expect.any(Number),
        token_type: 'Bearer',
      });
      expect(active.body.exp - active.body.iat).toBe(3600);
      const foreign = await sut
        .http()
        .post('/oauth/introspect')
        .auth(stranger.id, stranger.secret)
        .type('form')
        .send({ token })
        .expect(200);
      expect(foreign.body).toEqual({ active: false });
      await sut.http().post('/oauth/introspect').type('form').send({ token }).expect(401);
    });

    it('should revoke every token of a deleted client, and hide clients from other teams', async () => {
      const client = await newClient(['tokens:read']);
      const token = await accessToken(client);
      await sut.http().delete(`/v1/oauth/clients/${client.id}`).set(bearer(teamB.key)).expect(404);
      const deleted = await sut.http().delete(`/v1/oauth/clients/${client.id}`).set(bearer(teamA.key)).expect(200);
      expect(deleted.body.client).toMatchObject({
        id: client.id,
        revokedAt: expect.any(String),
      });
      await sut.http().get('/v1/tokens').set(bearer(token)).expect(401);
      const list = await sut.http().get('/v1/oauth/clients').set(bearer(teamA.key)).expect(200);
      expect(list.body.clients.map((c: { id: string }) => c.id)).not.toContain(client.id);
      await sut
        .http()
        .post('/oauth/token')
        .auth(client.id, client.secret)
        .type('form')
        .send({ grant_type: 'client_credentials' })
        .expect(401);
    });

    it('should validate client creation', async () => {
      const bad = await sut
        .http()
        .post('/v1/oauth/clients')
        .set(bearer(teamA.key))
        .send({ name: 'x', scopes: ['admin'] })
        .expect(400);
      expect(bad.body.error).toContain('scopes must only contain');
      const empty = await sut
        .http()
        .post('/v1/oauth/clients')
        .set(bearer(teamA.key))
        .send({ name: 'x', scopes: [] })
        .expect(400);
      expect(empty.body).toEqual({ error: 'scopes must not be empty' });
    });
  });

  describe('rate limit', () => {
    it('should send X-RateLimit headers on authenticated responses', async () => {
      const response = await sut.http().get('/v1/tasks').set(bearer(teamB.key)).expect(200);
      expect(Number(response.headers['x-ratelimit-limit'])).toBe(600);
      expect(Number(response.headers['x-ratelimit-remaining'])).toBeLessThan(600);
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(Date.now() / 1000);
    });

    it('should share one limit between two app instances on one database', async () => {
      const first = await startTestApp(database, {
        RATE_LIMIT_PER_MINUTE: '5',
      });
      const second = await startTestApp(database, {
        RATE_LIMIT_PER_MINUTE: '5',
      });
      try {
        const { key } = await first.createTeam('limited');
        // Stay inside one window so the count is not split by a minute boundary.
        if (60 - (Math.floor(Date.now() / 1000) % 60) < 5) await new Promise((r) => setTimeout(r, 6000));
        const statuses: number[] = [];
        for (let i = 0; i < 6; i += 1) {
          const app = i % 2 === 0 ? first : second;
          statuses.push((await app.http().get('/v1/tasks').set(bearer(key))).status);
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
        const limited = await second.http().get('/v1/tasks').set(bearer(key)).expect(429);
        expect(limited.body).toEqual({ error: 'Rate limit exceeded' });
        expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
        expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      } finally {
        await first.close();
        await second.close();
      }
    });

    it('should answer and count each of many simultaneous requests on its own, when they share statements', async () => {
      const burst = await startTestApp(database, { RATE_LIMIT_PER_MINUTE: '1000' });
      try {
        await burst.app.listen(0, '127.0.0.1');
        const url = `${await burst.app.getUrl()}/v1/tasks`;
        const { teamId, key } = await burst.createTeam('burst');
        if (60 - (Math.floor(Date.now() / 1000) % 60) < 5) await new Promise((r) => setTimeout(r, 6000));
        const keys = Array.from({ length: 48 }, (_, i) => (i % 8 === 3 ? generateApiKey() : key));
        const statuses = await Promise.all(keys.map(async (k) => (await fetch(url, { headers: bearer(k) })).status));
        expect(statuses).toEqual(keys.map((k) => (k === key ? 200 : 401)));
        const [{ counted }] = await burst.db.query(
          `SELECT sum(request_count)::int AS counted FROM rate_limit_windows WHERE subject = $1`,
          [teamId],
        );
        expect(counted).toBe(42);
        const next = await fetch(url, { headers: bearer(key) });
        expect(next.headers.get('x-ratelimit-remaining')).toBe(String(1000 - 43));
      } finally {
        await burst.close();
      }
    });
  });

  it('should declare scopes, API-key-only or @Public() on every route', () => {
    const discovery = sut.app.get(DiscoveryService);
    const scanner = sut.app.get(MetadataScanner);
    const reflector = sut.app.get(Reflector);
    const undeclared: string[] = [];
    let routes = 0;
    for (const wrapper of discovery.getControllers()) {
      const controller = wrapper.metatype as new (...args: unknown[]) => unknown;
      for (const name of scanner.getAllMethodNames(controller.prototype as object)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as () => unknown;
        if (!Reflect.hasMetadata('path', handler)) continue;
        routes += 1;
        const targets = [handler, controller];
        const declared =
          reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) ||
          reflector.getAllAndOverride<boolean>(API_KEY_ONLY_KEY, targets) ||
          reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES_KEY, targets)?.length;
        if (!declared) undeclared.push(`${controller.name}.${name}`);
      }
    }
    expect(routes).toBeGreaterThan(15);
    expect(undeclared).toEqual([]);
  });
});
