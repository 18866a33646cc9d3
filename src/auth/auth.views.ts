import type { ApiKey } from './entities/api-key.entity.js';
import type { OAuthClient } from './entities/oauth-client.entity.js';
import type { Team } from './entities/team.entity.js';

/** Entity → response shapes of SPEC §3–4, in one place. Hashes never leave through here. */
export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt?: Date | null;
}

export interface OAuthClientView {
  id: string;
  name: string;
  scopes: string[];
  createdAt: Date;
  revokedAt?: Date | null;
}

export interface TeamView {
  id: string;
  name: string;
  createdAt: Date;
}

export function toApiKeyView(apiKey: ApiKey, withRevokedAt = false): ApiKeyView {
  const view: ApiKeyView = {
    id: apiKey.id,
    name: apiKey.name,
    prefix: apiKey.prefix,
    createdAt: apiKey.createdAt,
    lastUsedAt: apiKey.lastUsedAt,
  };
  return withRevokedAt ? { ...view, revokedAt: apiKey.revokedAt } : view;
}

export function toOAuthClientView(client: OAuthClient, withRevokedAt = false): OAuthClientView {
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
