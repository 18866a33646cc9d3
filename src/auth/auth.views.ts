import type { ApiKey } from './entities/api-key.entity.js';
import type { OAuthClient } from './entities/oauth-client.entity.js';
import type { Team } from './entities/team.entity.js';

/** Entity → response shapes of SPEC §3–4, in one place. Hashes never leave through here. */
export class ApiKeyView {
  id: string;
  /** @example 'CI deploys' */
  name: string;
  /**
   * The key's first characters, to recognise it by.
   * @example 'aq_live_4Fh2'
   */
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export class RevokedApiKeyView extends ApiKeyView {
  revokedAt: Date | null;
}

export class ApiKeyCreatedResponse {
  apiKey: ApiKeyView;
  /** The key itself, shown only in this response: store it now. */
  key: string;
}

export class ApiKeyListResponse {
  /** Active keys only. */
  apiKeys: ApiKeyView[];
}

export class RevokedApiKeyResponse {
  apiKey: RevokedApiKeyView;
}

export class OAuthClientView {
  /** @example 'aqc_01jrx7m2k9d3q8v6c5b4a3z2y1' */
  id: string;
  /** @example 'reporting job' */
  name: string;
  /**
   * The scopes the client may request.
   * @example ["tasks:read"]
   */
  scopes: string[];
  createdAt: Date;
}

export class RevokedOAuthClientView extends OAuthClientView {
  revokedAt: Date | null;
}

export class OAuthClientCreatedResponse {
  client: OAuthClientView;
  /** The client secret (`aqcs_...`), shown only in this response. */
  clientSecret: string;
}

export class OAuthClientListResponse {
  clients: OAuthClientView[];
}

export class RevokedOAuthClientResponse {
  client: RevokedOAuthClientView;
}

/** RFC 6749 §5.1: what POST /oauth/token answers. */
export class AccessTokenResponse {
  /** @example 'aq_at_3kq9Zx1bV7nR2mW8pL5tY0cH4jF6dS9a' */
  access_token: string;
  /** @example 'Bearer' */
  token_type: 'Bearer';
  /**
   * Seconds until the token expires.
   * @example 3600
   */
  expires_in: number;
  /**
   * The scopes granted, space-delimited.
   * @example 'tasks:read tasks:write'
   */
  scope: string;
}

/** RFC 7662 §2.2: only `active` for a token that is not the caller's, or not active. */
export class IntrospectionResponse {
  active: boolean;
  /** @example 'tasks:read' */
  scope?: string;
  client_id?: string;
  /** Expiry, unix seconds. */
  exp?: number;
  /** Issue time, unix seconds. */
  iat?: number;
  /** @example 'Bearer' */
  token_type?: string;
}

export class TeamView {
  id: string;
  name: string;
  createdAt: Date;
}

export function toApiKeyView(apiKey: ApiKey): ApiKeyView;
export function toApiKeyView(apiKey: ApiKey, withRevokedAt: true): RevokedApiKeyView;
export function toApiKeyView(apiKey: ApiKey, withRevokedAt = false): ApiKeyView | RevokedApiKeyView {
  const view: ApiKeyView = {
    id: apiKey.id,
    name: apiKey.name,
    prefix: apiKey.prefix,
    createdAt: apiKey.createdAt,
    lastUsedAt: apiKey.lastUsedAt,
  };
  return withRevokedAt ? { ...view, revokedAt: apiKey.revokedAt } : view;
}

export function toOAuthClientView(client: OAuthClient): OAuthClientView;
export function toOAuthClientView(client: OAuthClient, withRevokedAt: true): RevokedOAuthClientView;
export function toOAuthClientView(
  client: OAuthClient,
  withRevokedAt = false,
): OAuthClientView | RevokedOAuthClientView {
  const view: OAuthClientView = {
    id: client.id,
    name: client.name,
    scopes: client.scopes,
    createdAt: client.createdAt,
  };
  return withRevokedAt ? { ...view, revokedAt: client.revokedAt } : view;
}

export function toTeamView(team: Team): TeamView {
  return { id: team.id, name: team.name, createdAt: team.createdAt };
}
