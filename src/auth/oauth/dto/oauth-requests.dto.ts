/**
 * The parameters of the OAuth endpoints, for the API document only: the endpoints read the form
 * (or JSON) body themselves, as RFC 6749 defines it, and ignore parameters they do not know.
 */
export class TokenRequestDto {
  /**
   * Only the client credentials grant is supported.
   * @example 'client_credentials'
   */
  grant_type: 'client_credentials';

  /**
   * Space-delimited scopes to ask for; default: every scope of the client.
   * @example 'tasks:read tasks:write'
   */
  scope?: string;

  /** The client id (`aqc_...`), unless sent with HTTP Basic authentication. */
  client_id?: string;

  /** The client secret (`aqcs_...`), unless sent with HTTP Basic authentication. */
  client_secret?: string;
}

/** RFC 7009 revocation and RFC 7662 introspection: a token, and the client's credentials. */
export class TokenOperationRequestDto {
  /** The access token (`aq_at_...`). */
  token: string;

  /** A hint of the token's type (ignored: every token here is an access token). */
  token_type_hint?: string;

  /** The client id (`aqc_...`), unless sent with HTTP Basic authentication. */
  client_id?: string;

  /** The client secret (`aqcs_...`), unless sent with HTTP Basic authentication. */
  client_secret?: string;
}
