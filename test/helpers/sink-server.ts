import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ReceivedCall {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type SinkHandler = (call: ReceivedCall, response: ServerResponse) => void | Promise<void>;

/** A real HTTP target for the executor: records every call, answers through a per-test handler. */
export class SinkServer {
  readonly calls: ReceivedCall[] = [];
  connections = 0;
  private server: Server;
  handler: SinkHandler = (_call, response) => {
    response.setHeader('Content-Type', 'application/json');
    response.end('{"ok":true}');
  };

  private constructor(readonly host: string) {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const call = {
          method: request.method ?? '',
          path: request.url ?? '',
          headers: request.headers,
          body,
          at: Date.now(),
        };
        this.calls.push(call);
        void this.handler(call, response);
      });
    });
    this.server.on('connection', () => (this.connections += 1));
    this.server.keepAliveTimeout = 1000;
  }

  static async start(host = '127.0.0.1'): Promise<SinkServer> {
    const sink = new SinkServer(host);
    sink.server.listen(0, host);
    await once(sink.server, 'listening');
    return sink;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  url(path = '/'): string {
    return `http://${this.host}:${this.port}${path}`;
  }

  callsTo(prefix: string): ReceivedCall[] {
    return this.calls.filter((call) => call.path.startsWith(prefix));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
