import type { ServerResponse } from 'node:http';
import { SinkServer, type ReceivedCall } from './sink-server.js';

function json(response: ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json');
  response.end(JSON.stringify(body));
}

/**
 * A real HTTP server that behaves like fal.ai's queue API: the submit answers with `status_url`
 * and `response_url`; the status goes IN_QUEUE → IN_PROGRESS → COMPLETED over `checksUntilDone`
 * checks; `response_url` serves the result (or `resultStatus` with an error body).
 */
export class FakeFal {
  checksUntilDone = 2;
  resultStatus = 200;
  result: unknown = { images: [{ url: 'https://cdn.example/cat.png' }] };
  private readonly checks = new Map<string, number>();
  private nextId = 1;

  private constructor(readonly server: SinkServer) {
    server.handler = (call, response) => this.handle(call, response);
  }

  static async start(): Promise<FakeFal> {
    return new FakeFal(await SinkServer.start());
  }

  get submitUrl(): string {
    return this.server.url('/fal-ai/flux/dev');
  }

  statusChecks(): ReceivedCall[] {
    return this.server.calls.filter((call) => call.path.endsWith('/status'));
  }

  private handle(call: ReceivedCall, response: ServerResponse): void {
    const path = call.path.split('?')[0];
    const status = /^\/fal-ai\/flux\/dev\/requests\/([^/]+)\/status$/.exec(path);
    const result = /^\/fal-ai\/flux\/dev\/requests\/([^/]+)$/.exec(path);
    if (call.method === 'POST' && path === '/fal-ai/flux/dev') {
      const id = `req-${this.nextId++}`;
      const base = this.server.url(`/fal-ai/flux/dev/requests/${id}`);
      json(response, 200, {
        request_id: id,
        status_url: `${base}/status`,
        response_url: base,
        cancel_url: `${base}/cancel`,
      });
    } else if (call.method === 'GET' && status) {
      const seen = (this.checks.get(status[1]) ?? 0) + 1;
      this.checks.set(status[1], seen);
      const state = seen >= this.checksUntilDone ? 'COMPLETED' : seen === 1 ? 'IN_QUEUE' : 'IN_PROGRESS';
      json(response, 200, { status: state, queue_position: 0 });
    } else if (call.method === 'GET' && result) {
      json(response, this.resultStatus, this.resultStatus === 200 ? this.result : { detail: 'Unprocessable input' });
    } else {
      json(response, 404, { detail: 'Not found' });
    }
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/**
 * Replicate's prediction flow: POST /v1/predictions answers `urls.get`; the prediction goes
 * starting → processing → `finalStatus` (succeeded with `output`, or failed with `error`) after
 * `checksUntilDone` checks. `statusBase` lets urls.get point at another origin.
 */
export class FakeReplicate {
  checksUntilDone = 2;
  finalStatus: 'succeeded' | 'failed' | 'processing' = 'succeeded';
  output: unknown = ['https://replicate.delivery/out-0.png'];
  error = 'CUDA out of memory';
  statusBase: string;
  private readonly checks = new Map<string, number>();
  private nextId = 1;

  private constructor(readonly server: SinkServer) {
    this.statusBase = server.url('');
    server.handler = (call, response) => this.handle(call, response);
  }

  static async start(): Promise<FakeReplicate> {
    return new FakeReplicate(await SinkServer.start());
  }

  get submitUrl(): string {
    return this.server.url('/v1/predictions');
  }

  /** Answers the status checks that reach another server (used when urls.get points elsewhere). */
  serveStatusOn(other: SinkServer): void {
    this.statusBase = other.url('');
    other.handler = (call, response) => this.handle(call, response);
  }

  private handle(call: ReceivedCall, response: ServerResponse): void {
    const path = call.path.split('?')[0];
    const prediction = /^\/v1\/predictions\/([^/]+)$/.exec(path);
    if (call.method === 'POST' && path === '/v1/predictions') {
      const id = `p${this.nextId++}`;
      json(response, 201, {
        id,
        status: 'starting',
        urls: {
          get: `${this.statusBase}/v1/predictions/${id}`,
          cancel: `${this.statusBase}/v1/predictions/${id}/cancel`,
        },
      });
    } else if (call.method === 'GET' && prediction) {
      const seen = (this.checks.get(prediction[1]) ?? 0) + 1;
      this.checks.set(prediction[1], seen);
      const status = seen >= this.checksUntilDone ? this.finalStatus : seen === 1 ? 'starting' : 'processing';
      json(response, 200, {
        id: prediction[1],
        status,
        output: status === 'succeeded' ? this.output : null,
        error: status === 'failed' ? this.error : null,
      });
    } else {
      json(response, 404, { detail: 'Not found' });
    }
  }

  close(): Promise<void> {
    return this.server.close();
  }
}
