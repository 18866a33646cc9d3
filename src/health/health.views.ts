/** One checked dependency. */
export class HealthIndicatorView {
  /** @example 'up' */
  status: string;
}

/** The database answered (the shape of @nestjs/terminus). */
export class HealthResponse {
  /** @example 'ok' */
  status: string;
  /** @example {"database": {"status": "up"}} */
  info: Record<string, HealthIndicatorView>;
  /** @example {} */
  error: Record<string, HealthIndicatorView>;
  /** @example {"database": {"status": "up"}} */
  details: Record<string, HealthIndicatorView>;
}

/** The database did not answer within 2 s. */
export class HealthUnavailableResponse {
  /** @example 'error' */
  status: string;
  /** @example 'Database is unavailable' */
  error: string;
}
