import type { HttpMethod } from '../tasks/rules/task-status.js';

/** Why a call is made; metrics tell them apart. */
export type OutboundPurpose = 'call' | 'status_check' | 'webhook';

export interface OutboundRequest {
  purpose: OutboundPurpose;
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
  /** Header names that must not follow a redirect to another origin (they carry credentials). */
  sensitiveHeaders: readonly string[];
  signal?: AbortSignal;
  /** Response bytes kept (default 256 KiB, what a task result stores). */
  maxBodyBytes?: number;
}

export interface OutboundResponse {
  statusCode: number;
  headers: Record<string, string>;
  /** UTF-8 text, or base64 when the bytes were not text (see storableBody). */
  body: string;
  bodyEncoding?: 'base64';
  /** Milliseconds from the first byte sent to the last byte read, across redirects. */
  duration: number;
}

/** Why no usable response came back. `blocked` is never retried; the others are. */
export type OutboundFailureKind = 'blocked' | 'timeout' | 'network' | 'aborted';

export class OutboundFailure extends Error {
  constructor(
    readonly kind: OutboundFailureKind,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundFailure';
  }
}
