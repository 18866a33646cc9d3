import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json } from 'express';
import { AppLogger } from './common/logging/app-logger.js';
import { NO_STORE_PREFIXES, noStore, securityHeaders } from './common/http/security-headers.js';
import {
  API_KEY_SECURITY,
  BEARER_SECURITY,
  OAUTH2_SCOPES,
  OAUTH2_SECURITY,
  OAUTH_CLIENT_SECURITY,
} from './common/http/security-schemes.js';
import { BATCH_REQUEST_BODY_LIMIT } from './tasks/dto/create-task-batch.dto.js';
import { CALLBACKS_PATH, readCallbackBody } from './waiting/callback-body.js';

/** JSON bodies may hold a 1 MiB task body after JSON escaping, so the parser limit sits above it. */
export const REQUEST_BODY_LIMIT = '3mb';

/** Everything main.ts and the test apps share, so a supertest app is the production app. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.useLogger(app.get(AppLogger));
  // main.ts buffers start-up logs and does not flush them on a failed start (it prints one line).
  app.flushLogs();
  app.use(securityHeaders());
  app.use(NO_STORE_PREFIXES, noStore);
  // Before the parsers: a provider's callback body is kept as the bytes it sent.
  app.use(`/${CALLBACKS_PATH}`, readCallbackBody);
  // A batch of up to 1,000 tasks gets more room; the general parser then leaves its parsed body alone.
  app.use('/v1/tasks/batch', json({ limit: BATCH_REQUEST_BODY_LIMIT }));
  app.useBodyParser('json', { limit: REQUEST_BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: '64kb', extended: false });
  app.set('x-powered-by', false);
  // Hashing every JSON response for an ETag cost more than the rest of the reply; the API's
  // answers are small and change with the task, so conditional requests are not offered.
  app.set('etag', false);
  app.set('trust proxy', 'loopback');
  app.enableShutdownHooks();
  setUpSwagger(app);
  return app;
}

function setUpSwagger(app: NestExpressApplication): void {
  const document = new DocumentBuilder()
    .setTitle('AsyncQueue')
    .setDescription(
      'Self-hostable HTTP task queue with an encrypted credential vault. Authorize with an API key ' +
        '(bearer or X-API-Key) or with an OAuth client (client credentials); every error answers `{"error": "..."}`.',
    )
    .setVersion('1')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'aq_live_… API key or aq_at_… access token',
        description: 'An API key (aq_live_…) or an OAuth access token (aq_at_…)',
      },
      BEARER_SECURITY,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'An API key (aq_live_…)' },
      API_KEY_SECURITY,
    )
    .addOAuth2(
      {
        type: 'oauth2',
        description: 'An OAuth client of the team (POST /v1/oauth/clients): client credentials grant',
        flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: OAUTH2_SCOPES } },
      },
      OAUTH2_SECURITY,
    )
    .addBasicAuth(
      {
        type: 'http',
        scheme: 'basic',
        description: "For the /oauth endpoints: the OAuth client's id and secret (they may go in the body instead)",
      },
      OAUTH_CLIENT_SECURITY,
    )
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, document), {
    jsonDocumentUrl: 'docs-json',
  });
}
