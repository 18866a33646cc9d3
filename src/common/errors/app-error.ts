/** What went wrong, in domain terms; the exception filter maps each kind to one HTTP status. */
export type AppErrorKind =
  | 'invalid_request'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'idempotency_mismatch'
  | 'payload_too_large'
  | 'rate_limited'
  | 'vault_unavailable'
  /** Our fault: answered as a bare 500 and logged; the message never reaches the client. */
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly kind: AppErrorKind,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** RFC 6749 §5.2 error for the OAuth endpoints, the one place with a different error body. */
export class OAuthProtocolError extends Error {
  constructor(
    readonly code: string,
    readonly description: string,
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
    this.name = 'OAuthProtocolError';
  }
}
