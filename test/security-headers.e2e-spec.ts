import type supertest from 'supertest';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startTestApp, type TestApp } from './helpers/test-app.js';

/** `Cache-Control: no-store` on every /v1 and /oauth answer, helmet's headers everywhere, /docs intact. */
describe('Security headers (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp;
  let team: { teamId: string; key: string };

  beforeAll(async () => {
    database = await createTestDatabase();
    sut = await startTestApp(database, { ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32' });
    team = await sut.createTeam('headers');
  });

  afterAll(async () => {
    await sut.close();
    await database.drop();
  });

  const expectPrivate = (response: supertest.Response) => {
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  };

  describe('answers that carry secrets', () => {
    it('should not be stored: a new API key', async () => {
      const response = await sut.http().post('/v1/api-keys').set(bearer(team.key)).send({ name: 'ci' }).expect(201);
      expect(response.body.key).toMatch(/^aq_live_/);
      expectPrivate(response);
    });

    it('should not be stored: an OAuth client secret and an access token', async () => {
      const client = await sut
        .http()
        .post('/v1/oauth/clients')
        .set(bearer(team.key))
        .send({ name: 'ci', scopes: ['tasks:read'] })
        .expect(201);
      expectPrivate(client);
      const token = await sut
        .http()
        .post('/oauth/token')
        .auth(client.body.client.id as string, client.body.clientSecret as string)
        .type('form')
        .send({ grant_type: 'client_credentials' })
        .expect(200);
      expectPrivate(token);
    });

    it('should not be stored: the webhook secret, read and rotated', async () => {
      expectPrivate(await sut.http().get('/v1/webhook-secret').set(bearer(team.key)).expect(200));
      expectPrivate(await sut.http().post('/v1/webhook-secret/rotate').set(bearer(team.key)).expect(200));
    });

    it.each([
      ['a signal token', { waitForSignal: true }, 'signalToken'],
      ['a callback URL', { body: '{"cb":"{asyncqueue_callback_url}"}' }, 'callbackUrl'],
    ])('should not be stored: a created task with %s', async (_case, fields, secret) => {
      const response = await sut
        .http()
        .post('/v1/tasks')
        .set(bearer(team.key))
        .send({ targetUrl: 'http://127.0.0.1:9/x', ...fields })
        .expect(201);
      expect(response.body).toHaveProperty(secret);
      expectPrivate(response);
    });
  });

  it.each([
    ['a task list', '/v1/tasks', 200],
    ['an error', '/v1/tokens?x=1', 401],
    ['an unknown API route', '/v1/nothing', 404],
  ])('should not store %s either (every /v1 answer)', async (_case, path, status) => {
    const response = await sut
      .http()
      .get(path)
      .set(status === 401 ? {} : bearer(team.key))
      .expect(status);
    expectPrivate(response);
  });

  it.each(['/health', '/metrics', '/docs-json'])('should send nosniff on %s', async (path) => {
    const response = await sut.http().get(path).expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('should still serve Swagger UI at /docs under its content security policy', async () => {
    const page = await sut.http().get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = directivesOf(page.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.has('upgrade-insecure-requests')).toBe(false);

    const html = page.text;
    // script-src 'self' admits no inline script and script-src-attr 'none' no event handler attribute.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    const scripts = [...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((match) => match[1]);
    const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts).toContain('./docs/swagger-ui-init.js');
    expect(styles.length).toBeGreaterThan(0);
    // Same origin and served with the type nosniff requires.
    for (const [asset, type] of [
      ...scripts.map((src) => [src, /javascript/] as const),
      ...styles.map((href) => [href, /^text\/css/] as const),
    ]) {
      expect(asset).toMatch(/^\.\//);
      const response = await sut.http().get(new URL(asset, 'http://app/docs').pathname).expect(200);
      expect(response.headers['content-type']).toMatch(type);
    }
  });
});

function directivesOf(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name, values]),
  );
}
