import { SCOPES, type Scope } from '../access/scopes.js';

/** Names of the OpenAPI security schemes declared in app.setup.ts and used by route decorators. */
export const API_KEY_SECURITY = 'api-key';
export const BEARER_SECURITY = 'bearer';
export const OAUTH2_SECURITY = 'oauth2';
/** An OAuth client authenticating itself to the /oauth endpoints with HTTP Basic. */
export const OAUTH_CLIENT_SECURITY = 'oauth-client';

/** What each scope allows, as the Authorize dialog lists them. */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'tokens:read': 'List vault tokens (metadata only)',
  'tokens:write': 'Store and revoke vault tokens',
  'tasks:read': 'Read tasks and their attempts',
  'tasks:write': 'Create, cancel and retry tasks',
};

export const OAUTH2_SCOPES = Object.fromEntries(SCOPES.map((scope) => [scope, SCOPE_DESCRIPTIONS[scope]]));
