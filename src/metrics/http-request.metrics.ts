import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from './metrics.service.js';

/** Requests that matched no route share one label: a client must not be able to mint series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Requests by route pattern (`/v1/tasks/:id`, never the path itself: ids, signal tokens and
 * callback ids are in paths) and status.
 */
@Injectable()
export class HttpRequestMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: 'asyncqueue_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'asyncqueue_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method and route pattern (long-polls included)',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
  }

  record(request: Request, response: Response, seconds: number): void {
    const route = routeOf(request);
    const method = request.method;
    this.requests.inc({ method, route, status: String(response.statusCode) });
    this.duration.observe({ method, route }, seconds);
  }
}

/**
 * Counts a request once its response has ended (sent, or the client gone), so answers from guards, pipes and the
 * exception filter count like any other (the route is known by then).
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: HttpRequestMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = performance.now();
    response.once('close', () => this.metrics.record(request, response, (performance.now() - started) / 1000));
    next();
  }
}

/**
 * Express leaves `request.route` at the last route layer the request went through. With access
 * logging on, that layer is the logger's, mounted on every path (`{/*splat}`), so a request no
 * handler matched would carry its wildcard: no API route has one.
 */
function routeOf(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && !path.includes('*') ? `${request.baseUrl}${path}` : UNMATCHED_ROUTE;
}
