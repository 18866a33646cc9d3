import { STATUS_CODES } from 'node:http';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, type Dispatcher } from 'undici';
import { AddressPolicy } from '../common/net/address-policy.js';
import { storableBody } from '../common/text/storable.js';
import { ExecutorMetrics } from './executor.metrics.js';
import { BLOCKED_ADDRESS_CODE, BlockedAddressError, guardedLookup } from './guarded-lookup.js';
import { AttemptLimit, HttpExchange } from './http-exchange.js';
import { OutboundFailure, type OutboundRequest, type OutboundResponse } from './outbound.types.js';

export const MAX_REDIRECTS = 5;
export const MAX_RESULT_BODY_BYTES = 256 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Never forwarded to another origin, whatever the task says. */
export const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'x-asyncqueue-signature'];

/**
 * The only way AsyncQueue talks to the outside world. Keep-alive pools; every hop checked against
 * the address policy (IP literals and localhost names here, other names at connect time); redirects followed by hand.
 */
@Injectable()
export class EgressService implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(
    private readonly policy: AddressPolicy,
    private readonly metrics: ExecutorMetrics,
  ) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(policy) },
      keepAliveTimeout: 10_000,
      connections: 128,
      pipelining: 1,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }

  async send(outbound: OutboundRequest): Promise<OutboundResponse> {
    const started = performance.now();
    try {
      const response = await this.exchange(outbound, started);
      this.metrics.recordCall(outbound.purpose, response, response.duration / 1000);
      return response;
    } catch (error) {
      if (error instanceof OutboundFailure) {
        this.metrics.recordCall(outbound.purpose, error.kind, (performance.now() - started) / 1000);
      }
      throw error;
    }
  }

  private async exchange(outbound: OutboundRequest, started: number): Promise<OutboundResponse> {
    const limit = new AttemptLimit(outbound.timeoutMs, outbound.signal);
    const maxBodyBytes = outbound.maxBodyBytes ?? MAX_RESULT_BODY_BYTES;
    let hop: Hop = {
      method: outbound.method,
      url: new URL(outbound.url),
      headers: outbound.headers,
      body: outbound.body,
    };
    try {
      for (let redirects = 0; ; redirects += 1) {
        this.checkAddressWithoutDns(hop.url);
        const response = await limit.run(
          new HttpExchange(this.agent, { ...hop, idleTimeoutMs: outbound.timeoutMs, maxBodyBytes }),
        );
        const location = headerValue(response.headers.location);
        const next =
          REDIRECT_STATUSES.has(response.statusCode) && location && redirects < MAX_REDIRECTS
            ? nextHop(hop, response.statusCode, location, outbound.sensitiveHeaders)
            : undefined;
        if (next) {
          hop = next;
          continue;
        }
        return {
          statusCode: response.statusCode,
          headers: flattenHeaders(response.headers),
          // A redirect that cannot be followed is reported without its body, as before.
          ...(next === null ? { body: '' } : storableBody(response.body, response.truncated)),
          duration: Math.round(performance.now() - started),
        };
      }
    } catch (error) {
      throw classify(error, limit.expired, outbound);
    } finally {
      limit.release();
    }
  }

  private checkAddressWithoutDns(url: URL): void {
    const refused = this.policy.refusedAddress(url.hostname);
    if (refused) throw new BlockedAddressError(url.hostname, refused);
  }
}

interface Hop {
  method: Dispatcher.HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | null;
}

/** RFC 9110 §15.4: 303 (and 301/302 after POST, as every client does) continue as GET without a body. */
function nextHop(hop: Hop, status: number, location: string, sensitive: readonly string[]): Hop | null {
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  const becomesGet = status === 303 || ((status === 301 || status === 302) && hop.method === 'POST');
  const drop = new Set<string>();
  // Both URLs are http(s), so the origin includes the host name: a hop that keeps the origin keeps
  // the host a bound vault token was checked against, and any other hop (even to a host the token
  // also allows) loses every credential and vault-reference header.
  if (url.origin !== hop.url.origin) {
    for (const name of [...CREDENTIAL_HEADERS, ...sensitive]) drop.add(name.toLowerCase());
  }
  if (becomesGet) {
    drop.add('content-type');
    drop.add('x-asyncqueue-signature');
  }
  const headers = Object.fromEntries(Object.entries(hop.headers).filter(([name]) => !drop.has(name.toLowerCase())));
  return {
    method: becomesGet ? 'GET' : hop.method,
    url,
    headers,
    body: becomesGet ? null : hop.body,
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function classify(error: unknown, timedOut: boolean, outbound: OutboundRequest): OutboundFailure {
  const blocked = findBlocked(error);
  if (blocked) return new OutboundFailure('blocked', `Blocked: ${blocked.message}`);
  if (outbound.signal?.aborted) return new OutboundFailure('aborted', 'Attempt aborted by shutdown');
  const code = (error as { code?: string }).code;
  if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new OutboundFailure('timeout', `Timeout: no complete response within ${outbound.timeoutMs / 1000}s`);
  }
  return new OutboundFailure('network', `Network error: ${describe(error)}`);
}

function findBlocked(error: unknown): BlockedAddressError | null {
  for (let current = error, depth = 0; current && depth < 5; depth += 1) {
    if (current instanceof BlockedAddressError) return current;
    if ((current as { code?: string }).code === BLOCKED_ADDRESS_CODE) return current as BlockedAddressError;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

function describe(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

export function statusText(statusCode: number): string {
  return STATUS_CODES[statusCode] ?? 'Unknown';
}
