/** Every error of the API (SPEC §1). */
export class ErrorResponse {
  /**
   * One readable sentence.
   * @example 'targetUrl is required'
   */
  error: string;
}

/** Errors of the OAuth endpoints (RFC 6749 §5.2). */
export class OAuthErrorResponse {
  /**
   * invalid_request, invalid_client, invalid_scope or unsupported_grant_type.
   * @example 'invalid_client'
   */
  error: string;

  /**
   * What was wrong, readably.
   * @example 'Client authentication failed'
   */
  error_description: string;
}
