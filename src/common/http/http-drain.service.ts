import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import type { AppConfiguration } from '../../config/configuration.js';

const POLL_MS = 20;

/**
 * Graceful shutdown of the HTTP side. Left to itself, closing the server waits for every
 * connection to end, and a keep-alive client that keeps sending never lets it (the process hung
 * under load). Here, before anything else is torn down: stop accepting connections, answer the
 * requests in flight with `Connection: close`, drop idle connections, and after the grace period
 * (SHUTDOWN_GRACE_SECONDS) close whatever is left. The database is still open meanwhile.
 */
@Injectable()
export class HttpDrainService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private inFlight = 0;
  private draining = false;
  private readonly graceMs: number;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    config: ConfigService<AppConfiguration, true>,
  ) {
    this.graceMs = config.get('executor', { infer: true }).shutdownGraceMs;
  }

  onApplicationBootstrap(): void {
    this.server()?.on('request', (_request: IncomingMessage, response: ServerResponse) => {
      this.inFlight += 1;
      if (this.draining) this.closeAfter(response);
      response.once('close', () => (this.inFlight -= 1));
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server();
    if (!server?.listening) return;
    this.draining = true;
    server.close();
    server.closeIdleConnections();
    const deadline = Date.now() + this.graceMs;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      server.closeIdleConnections();
    }
    server.closeAllConnections();
  }

  private closeAfter(response: ServerResponse): void {
    if (!response.headersSent) response.setHeader('Connection', 'close');
  }

  private server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }
}
