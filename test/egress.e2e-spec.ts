import type { ConfigService } from '@nestjs/config';
import { AddressPolicy } from '../src/common/net/address-policy.js';
import { buildConfiguration, type AppConfiguration } from '../src/config/configuration.js';
import { EgressService, MAX_RESULT_BODY_BYTES } from '../src/executor/egress.service.js';
import { ExecutorMetrics } from '../src/executor/executor.metrics.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { OutboundFailure, type OutboundRequest } from '../src/executor/outbound.types.js';
import { SinkServer } from './helpers/sink-server.js';

/** The egress service against real local HTTP servers: bodies, redirects, limits, aborts. */
describe('EgressService (e2e)', () => {
  let sut: EgressService;
  let metrics: MetricsService;
  let origin: SinkServer;
  let elsewhere: SinkServer;

  beforeAll(async () => {
    const config = buildConfiguration({ ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32' });
    metrics = new MetricsService();
    sut = new EgressService(
      new AddressPolicy({ get: () => config.executor } as unknown as ConfigService<AppConfiguration, true>),
      new ExecutorMetrics(metrics),
    );
    origin = await SinkServer.start();
    elsewhere = await SinkServer.start();
  });

  afterAll(async () => {
    await sut.onApplicationShutdown();
    await origin.close();
    await elsewhere.close();
  });

  beforeEach(() => {
    origin.calls.length = 0;
    elsewhere.calls.length = 0;
  });

  const send = (overrides: Partial<OutboundRequest>) =>
    sut.send({
      purpose: 'call',
      method: 'POST',
      url: origin.url('/hook'),
      headers: { 'Content-Type': 'application/json' },
      body: '{"a":1}',
      timeoutMs: 5000,
      sensitiveHeaders: [],
      ...overrides,
    });

  it('should return status, headers (repeated ones joined) and body', async () => {
    origin.handler = (_call, response) => {
      response.setHeader('Set-Cookie', ['a=1', 'b=2']);
      response.setHeader('Content-Type', 'text/plain');
      response.statusCode = 202;
      response.end('accepted');
    };
    const response = await send({});
    expect(response).toMatchObject({ statusCode: 202, body: 'accepted' });
    expect(response.headers['set-cookie']).toBe('a=1, b=2');
    expect(response.headers['content-type']).toBe('text/plain');
    expect(origin.calls[0]).toMatchObject({ method: 'POST', path: '/hook', body: '{"a":1}' });
  });

  it('should keep only the first 256 KiB of a larger body, and multi-byte text across chunks intact', async () => {
    const text = 'é'.repeat(MAX_RESULT_BODY_BYTES);
    origin.handler = (_call, response) => {
      response.write(text.slice(0, 1000));
      setTimeout(() => response.end(text.slice(1000)), 20);
    };
    const response = await send({});
    expect(response.statusCode).toBe(200);
    expect(Buffer.byteLength(response.body)).toBe(MAX_RESULT_BODY_BYTES);
    expect(response.body).toBe(text.slice(0, MAX_RESULT_BODY_BYTES / 2));
    const small = await send({ maxBodyBytes: 10 });
    expect(small.body).toBe('ééééé');
  });

  it('should call a name under localhost on the allowed loopback address, without asking DNS', async () => {
    const response = await send({ url: `http://api.localhost:${origin.port}/hook` });
    expect(response.statusCode).toBe(200);
    expect(origin.calls).toHaveLength(1);
  });

  it('should follow a redirect to another origin without credentials or sensitive headers', async () => {
    origin.handler = (_call, response) => {
      response.statusCode = 307;
      response.setHeader('Location', elsewhere.url('/landed?x=1'));
      response.end('moved');
    };
    elsewhere.handler = (_call, response) => {
      response.end('here');
    };
    const response = await send({
      headers: { Authorization: 'Bearer canary-secret', 'X-Api-Key': 'canary-key', 'X-Trace': 't1' },
      sensitiveHeaders: ['X-Api-Key'],
    });
    expect(response).toMatchObject({ statusCode: 200, body: 'here' });
    const landed = elsewhere.calls[0];
    expect(landed).toMatchObject({ method: 'POST', path: '/landed?x=1', body: '{"a":1}' });
    expect(landed.headers.authorization).toBeUndefined();
    expect(landed.headers['x-api-key']).toBeUndefined();
    expect(landed.headers['x-trace']).toBe('t1');
  });

  it('should keep credentials on a same-origin redirect, and turn a 303 into a GET without a body', async () => {
    origin.handler = (call, response) => {
      if (call.path === '/hook') {
        response.statusCode = 303;
        response.setHeader('Location', '/result');
        response.end();
      } else {
        response.end(`${call.method} ${call.body.length}`);
      }
    };
    const response = await send({ headers: { Authorization: 'Bearer s', 'Content-Type': 'application/json' } });
    expect(response.body).toBe('GET 0');
    expect(origin.calls[1].headers.authorization).toBe('Bearer s');
    expect(origin.calls[1].headers['content-type']).toBeUndefined();
  });

  it('should report the redirect itself after five hops, and one whose Location cannot be followed', async () => {
    origin.handler = (call, response) => {
      response.statusCode = 302;
      response.setHeader('Location', call.path === '/bad' ? 'ftp://example.com/' : '/loop');
      response.end('again');
    };
    const looped = await send({ method: 'GET', url: origin.url('/loop'), body: null });
    expect(looped).toMatchObject({ statusCode: 302, body: 'again' });
    expect(origin.calls).toHaveLength(6);
    const unfollowable = await send({ method: 'GET', url: origin.url('/bad'), body: null });
    expect(unfollowable).toMatchObject({ statusCode: 302, body: '' });
  });

  it('should time out on the whole attempt even while the body keeps trickling in', async () => {
    origin.handler = (_call, response) => {
      response.write('x');
      const timer = setInterval(() => response.write('x'), 50);
      response.on('close', () => clearInterval(timer));
    };
    const started = Date.now();
    const failure = await send({ timeoutMs: 400 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OutboundFailure);
    expect(failure).toMatchObject({ kind: 'timeout', message: 'Timeout: no complete response within 0.4s' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('should stop at once when the caller aborts, before or during the call', async () => {
    origin.handler = () => undefined;
    const controller = new AbortController();
    const pending = send({ signal: controller.signal }).catch((error: unknown) => error);
    setTimeout(() => controller.abort(), 100);
    expect(await pending).toMatchObject({ kind: 'aborted' });
    const before = await send({ signal: AbortSignal.abort() }).catch((error: unknown) => error);
    expect(before).toMatchObject({ kind: 'aborted' });
  });

  it('should report a refused connection as a network error', async () => {
    const closed = await SinkServer.start();
    const url = closed.url('/gone');
    await closed.close();
    const failure = await send({ url }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ kind: 'network' });
    expect((failure as Error).message).toMatch(/^Network error: .*ECONNREFUSED/);
  });

  it('should time every call that went out by purpose and status class, and no blocked one', async () => {
    const counts = async (purpose: string) =>
      (await metrics.render()).match(
        new RegExp(`^asyncqueue_call_duration_seconds_count\\{purpose="${purpose}".*$`, 'gm'),
      );
    origin.handler = (_call, response) => {
      response.statusCode = 503;
      response.end();
    };
    const callsBefore = await counts('call');
    await send({ purpose: 'status_check' });
    await expect(send({ url: 'http://10.0.0.1/x' })).rejects.toBeInstanceOf(OutboundFailure);
    expect(await counts('status_check')).toEqual([
      'asyncqueue_call_duration_seconds_count{purpose="status_check",outcome="5xx"} 1',
    ]);
    expect(await counts('call')).toEqual(callsBefore);
  });
});
