import type { Dispatcher } from 'undici';

export interface ExchangeRequest {
  method: Dispatcher.HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | null;
  /** undici's own inactivity limits: for the response headers, and between body chunks. */
  idleTimeoutMs: number;
  /** Response bytes kept; the connection is dropped once they are read. */
  maxBodyBytes: number;
}

export interface ExchangeResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The body was cut at maxBodyBytes. */
  truncated: boolean;
}

/**
 * One request and its whole (capped) response through undici's dispatch API. Its request() API
 * wraps every response body in a stream, read back through an async iterator; taking the chunks
 * as they arrive costs about half the client CPU per call, which a worker making thousands of
 * calls a second feels.
 */
export class HttpExchange implements Dispatcher.DispatchHandler {
  readonly response: Promise<ExchangeResponse>;
  private resolve!: (response: ExchangeResponse) => void;
  private reject!: (error: unknown) => void;
  private settled = false;
  private controller: Dispatcher.DispatchController | null = null;
  private abortReason: Error | null = null;
  private statusCode = 0;
  private headers: Record<string, string | string[] | undefined> = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    dispatcher: Dispatcher,
    private readonly request: ExchangeRequest,
  ) {
    this.response = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const { url, method } = request;
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers: request.headers,
        body: method === 'GET' ? null : request.body,
        headersTimeout: request.idleTimeoutMs,
        bodyTimeout: request.idleTimeoutMs,
      },
      this,
    );
  }

  /** Ends the exchange at once with `reason`, even before the request has reached a socket. */
  abort(reason: Error): void {
    if (this.settled) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.fail(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.abortReason) controller.abort(this.abortReason);
    else this.controller = controller;
  }

  /** Called again for the final response after any 1xx. */
  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: ExchangeResponse['headers'],
  ): void {
    this.statusCode = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    const room = this.request.maxBodyBytes - this.size;
    this.chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    this.size += Math.min(chunk.length, room);
    if (this.size >= this.request.maxBodyBytes) {
      this.succeed(true);
      controller.abort(new Error('Response body cap reached'));
    }
  }

  onResponseEnd(): void {
    this.succeed(false);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  private succeed(truncated: boolean): void {
    if (this.settled) return;
    this.settled = true;
    const body = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.resolve({ statusCode: this.statusCode, headers: this.headers, body, truncated });
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

/**
 * The whole-attempt time limit and the caller's abort signal, applied to whichever exchange of
 * the attempt (first request or a redirect) is under way.
 */
export class AttemptLimit {
  expired = false;
  private current: HttpExchange | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = () => this.current?.abort(new Error('Attempt aborted'));

  constructor(
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.current?.abort(new Error('Attempt timed out'));
    }, timeoutMs);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  run(exchange: HttpExchange): Promise<ExchangeResponse> {
    this.current = exchange;
    if (this.expired) exchange.abort(new Error('Attempt timed out'));
    else if (this.signal?.aborted) exchange.abort(new Error('Attempt aborted'));
    return exchange.response;
  }

  release(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}
