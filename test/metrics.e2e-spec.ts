import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { bearer, startServingTestApp, type TestApp } from './helpers/test-app.js';
import { SinkServer, waitFor } from './helpers/sink-server.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text format, enough of it for these families: `name{a="x",b="y"} 1`. */
function samples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`unreadable metrics line: ${line}`);
      const labels = Object.fromEntries(
        [...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => [
          name,
          value,
        ]),
      );
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** SPEC §12 metrics, scraped from a serving app after real traffic to real loopback targets. */
describe('Metrics (e2e)', () => {
  let database: TestDatabase;
  let sut: TestApp & { baseUrl: string };
  let sink: SinkServer;
  let team: { teamId: string; key: string };
  const secret = `canary${randomBytes(8).toString('hex')}`;
  const queryValue = `canary${randomBytes(8).toString('hex')}`;
  const signalProbe = `aq_sig_canary${randomBytes(8).toString('hex')}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await SinkServer.start();
    sink.handler = (call, response) => {
      response.statusCode = call.path.includes('fail') ? 500 : 200;
      response.end('{}');
    };
    sut = await startServingTestApp(database);
    team = await sut.createTeam('metrics');
  });

  afterAll(async () => {
    await sut.close();
    await sink.close();
    await database.drop();
  });

  const api = () => sut.http();

  async function finishedWithWebhook(id: string): Promise<void> {
    await waitFor(
      async () => {
        const { body } = await api().get(`/v1/tasks/${id}`).set(bearer(team.key)).expect(200);
        return body.task.onCompleteDelivery?.at ? true : undefined;
      },
      15_000,
      `the completion webhook of ${id}`,
    );
  }

  it('should count calls, API requests by route and webhook outcomes, with no id, URL or secret in a label', async () => {
    const token = await api().post('/v1/tokens').set(bearer(team.key)).send({ name: 'm', value: secret }).expect(201);
    const tokenId: string = token.body.token.id;
    const good = await api()
      .post('/v1/tasks')
      .set(bearer(team.key))
      .send({
        targetUrl: sink.url(`/ok?key=${queryValue}`),
        headers: { Authorization: tokenId },
        onCompleteUrl: sink.url('/hook'),
      })
      .expect(201);
    const bad = await api()
      .post('/v1/tasks')
      .set(bearer(team.key))
      .send({ targetUrl: sink.url('/fail'), maxRetries: 0, onCompleteUrl: sink.url('/hook-fail') })
      .expect(201);
    const ids: string[] = [good.body.task.id, bad.body.task.id];
    for (const id of ids) await finishedWithWebhook(id);
    await api().get('/v1/no-such-route').expect(404);
    await api().get('/v1/tasks').expect(401);
    await api().post(`/v1/signals/${signalProbe}`).send({ status: 'completed' }).expect(404);

    const text = (await api().get('/metrics').expect(200)).text;
    const all = samples(text);
    const find = (name: string, labels: Record<string, string>) =>
      all.find(
        (sample) =>
          sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
      );

    expect(find('asyncqueue_call_duration_seconds_count', { purpose: 'call', outcome: '2xx' })?.value).toBe(1);
    expect(find('asyncqueue_call_duration_seconds_count', { purpose: 'call', outcome: '5xx' })?.value).toBe(1);
    expect(find('asyncqueue_call_duration_seconds_count', { purpose: 'webhook', outcome: '2xx' })?.value).toBe(1);
    expect(
      find('asyncqueue_call_duration_seconds_bucket', { purpose: 'call', outcome: '2xx', le: '+Inf' })?.value,
    ).toBe(1);
    expect(find('asyncqueue_completion_webhooks_total', { outcome: 'delivered' })?.value).toBe(1);
    expect(find('asyncqueue_completion_webhooks_total', { outcome: 'http_error' })?.value).toBe(1);

    const requests = (method: string, route: string, status: string) =>
      find('asyncqueue_http_requests_total', { method, route, status })?.value;
    expect(requests('POST', '/v1/tasks', '201')).toBe(2);
    expect(requests('POST', '/v1/tokens', '201')).toBe(1);
    expect(requests('GET', '/v1/tasks/:id', '200')).toBeGreaterThanOrEqual(2);
    expect(requests('GET', '/v1/tasks', '401')).toBe(1);
    expect(requests('POST', '/v1/signals/:token', '404')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    expect(
      find('asyncqueue_http_request_duration_seconds_count', { method: 'GET', route: '/v1/tasks/:id' }),
    ).toBeDefined();

    // The per-queue families name the team (its id, one series per queue); nothing else carries an id.
    const labelValues = all.flatMap(({ labels: { team: teamLabel, ...labels } }) => [
      ...Object.values(labels),
      ...(teamLabel === undefined || teamLabel === team.teamId ? [] : [teamLabel]),
    ]);
    for (const value of labelValues) {
      expect(value).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-|:\/\/|127\.0\.0\.1|tok_|aq_|canary/);
    }
    for (const forbidden of [secret, queryValue, signalProbe, tokenId, team.key, ...ids]) {
      expect(text).not.toContain(forbidden);
    }
    expect(
      all
        .filter((sample) => sample.labels.team !== undefined)
        .every((sample) => /^asyncqueue_(queue_|throttled_)/.test(sample.name)),
    ).toBe(true);
  });
  it('should show each queue’s open tasks by status, oldest due age, calls in flight and pause', async () => {
    const slowTeam = await sut.createTeam('queues');
    sink.handler = (call, response) => {
      const wait = call.path.includes('slow') ? 2_500 : 0;
      setTimeout(() => {
        response.statusCode = 200;
        response.end('{}');
      }, wait);
    };
    const create = (body: object) =>
      api()
        .post('/v1/tasks')
        .set(bearer(slowTeam.key))
        .send({ targetUrl: sink.url('/slow'), ...body })
        .expect(201);
    await api().put('/v1/queues/held').set(bearer(slowTeam.key)).send({ paused: true }).expect(200);
    await api().put('/v1/queues/one-at-a-time').set(bearer(slowTeam.key)).send({ concurrency: 1 }).expect(200);
    await create({ queue: 'held' });
    await create({ queue: 'held' });
    await create({ queue: 'held', delayUntil: new Date(Date.now() + 3_600_000).toISOString() });
    await create({ queue: 'one-at-a-time' });
    await create({ queue: 'one-at-a-time' });
    await waitFor(() => (sink.callsTo('/slow').length > 0 ? true : undefined), 10_000, 'the first slow call');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const all = samples((await api().get('/metrics').expect(200)).text);
    const value = (name: string, labels: Record<string, string>) =>
      all.find(
        (sample) =>
          sample.name === name &&
          sample.labels.team === slowTeam.teamId &&
          Object.entries(labels).every(([label, wanted]) => sample.labels[label] === wanted),
      )?.value;
    expect(value('asyncqueue_queue_tasks', { queue: 'held', status: 'pending' })).toBe(2);
    expect(value('asyncqueue_queue_tasks', { queue: 'held', status: 'delayed' })).toBe(1);
    expect(value('asyncqueue_queue_tasks', { queue: 'held', status: 'processing' })).toBe(0);
    expect(value('asyncqueue_queue_oldest_due_age_seconds', { queue: 'held' })).toBeGreaterThan(0.2);
    expect(value('asyncqueue_queue_paused', { queue: 'held' })).toBe(1);
    expect(value('asyncqueue_queue_calls_in_flight', { queue: 'held' })).toBe(0);
    expect(value('asyncqueue_queue_calls_in_flight', { queue: 'one-at-a-time' })).toBe(1);
    expect(value('asyncqueue_queue_tasks', { queue: 'one-at-a-time', status: 'processing' })).toBe(1);
    expect(value('asyncqueue_queue_tasks', { queue: 'one-at-a-time', status: 'pending' })).toBe(1);
    expect(value('asyncqueue_queue_paused', { queue: 'one-at-a-time' })).toBe(0);
  });
});
