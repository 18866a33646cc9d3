import type { Request } from 'express';

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  viaBasic: boolean;
}

/**
 * RFC 6749 §2.3.1: HTTP Basic (id and secret form-urlencoded, then base64) or `client_id` and
 * `client_secret` in the body. Used by revocation and introspection; the token endpoint gets the
 * same grammar from @node-oauth/oauth2-server.
 */
export function readClientCredentials(request: Request): ClientCredentials | null {
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) return null;
    try {
      return {
        clientId: decodeURIComponent(decoded.slice(0, separator).replace(/\+/g, ' ')),
        clientSecret: decodeURIComponent(decoded.slice(separator + 1).replace(/\+/g, ' ')),
        viaBasic: true,
      };
    } catch {
      return null;
    }
  }
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (typeof body.client_id === 'string' && typeof body.client_secret === 'string') {
    return {
      clientId: body.client_id,
      clientSecret: body.client_secret,
      viaBasic: false,
    };
  }
  return null;
}
