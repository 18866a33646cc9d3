import type OAuth2Server from '@node-oauth/oauth2-server';
import type { OAuthClient } from '../entities/oauth-client.entity.js';
import type { OAuthClientsService } from '../oauth-clients.service.js';
import type { OAuthTokensService } from '../oauth-tokens.service.js';
import { isScope, type Scope } from '../../common/access/scopes.js';

interface LibraryClient extends OAuth2Server.Client {
  record: OAuthClient;
}

/** The client-credentials model @node-oauth/oauth2-server calls into: our TypeORM storage behind it. */
export function createOAuthServerModel(
  clients: OAuthClientsService,
  tokens: OAuthTokensService,
): OAuth2Server.ClientCredentialsModel {
  return {
    async getClient(clientId: string, clientSecret: string) {
      const record = await clients.verify(clientId, clientSecret);
      if (!record) return null;
      const client: LibraryClient = {
        id: record.id,
        grants: ['client_credentials'],
        record,
      };
      return client;
    },
    getUserFromClient(client: OAuth2Server.Client) {
      return Promise.resolve({
        teamId: (client as LibraryClient).record.teamId,
      });
    },
    /** No scope asked: everything the client holds. Anything beyond it: invalid_scope. */
    validateScope(_user: OAuth2Server.User, client: OAuth2Server.Client, requested?: string[]) {
      const granted = (client as LibraryClient).record.scopes;
      if (!requested || requested.length === 0) return Promise.resolve([...granted]);
      const valid = requested.every((scope) => isScope(scope) && granted.includes(scope));
      return Promise.resolve(valid ? [...new Set(requested)] : false);
    },
    generateAccessToken() {
      return Promise.resolve(tokens.newAccessToken());
    },
    async saveToken(token: OAuth2Server.Token, client: OAuth2Server.Client, user: OAuth2Server.User) {
      const scopes = (token.scope ?? []) as Scope[];
      await tokens.save(token.accessToken, (client as LibraryClient).record, scopes, token.accessTokenExpiresAt);
      return { ...token, client, user, scope: scopes };
    },
    getAccessToken() {
      return Promise.resolve(null);
    },
  };
}
