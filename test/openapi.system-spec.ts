import SwaggerParser from '@apidevtools/swagger-parser';
import { ApiClient } from './helpers/api-client.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  example?: unknown;
  default?: unknown;
  enum?: unknown[];
  additionalProperties?: boolean | Schema;
  allOf?: Schema[];
}

interface Operation {
  tags?: string[];
  summary?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: Schema; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, Schema>;
    securitySchemes: Record<string, { type: string; flows?: Record<string, { tokenUrl: string; scopes: object }> }>;
  };
}

/** Routes anyone may call; every other one must declare how to authenticate. */
const PUBLIC_PATHS = ['/health', '/oauth/token', '/oauth/revoke', '/oauth/introspect', '/v1/providers'];
const PUBLIC_PREFIXES = ['/v1/signals/', '/v1/callbacks/'];

/**
 * The OpenAPI document as Swagger UI and client generators read it (issue #19): valid, every
 * parameter, real response schemas, the error shape, OAuth in the Authorize dialog, and request
 * examples that are accepted exactly as they are. Read from the built server: the Swagger CLI
 * plugin, which turns the DTO classes and comments into schemas, runs in `nest build`.
 */
describe('OpenAPI document (system)', () => {
  let database: TestDatabase;
  let service: ServiceProcess;
  let client: ApiClient;
  let document: Document;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { ...database.env, VAULT_KEYS: randomVaultKey(), WORKER_ENABLED: 'false' };
    // The CLI first: on the embedded database only one process may hold the data directory.
    const team = await runNode('cli.js', ['teams', 'create', '--name', 'openapi'], env);
    service = await startService(env);
    client = new ApiClient(service.url, (JSON.parse(team.stdout) as { apiKey: string }).apiKey);
    document = (await (await fetch(`${service.url}/docs-json`)).json()) as Document;
  }, 60_000);

  afterAll(async () => {
    await service?.kill('SIGTERM');
    await database?.drop();
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
  const resolve = (schema: Schema): Schema =>
    schema.$ref ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;

  it('should be a valid OpenAPI document', async () => {
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('should give every operation a tag and a one-line summary', () => {
    for (const { path, method, operation } of operations()) {
      expect({ path, method, tags: operation.tags?.length ?? 0 }).toEqual({ path, method, tags: 1 });
      expect(operation.summary).toMatch(/^[^\n]{10,120}$/);
    }
  });

  it('should declare every path parameter, and the query parameters of the task routes', () => {
    for (const { path, operation } of operations()) {
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        expect(operation.parameters).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
      }
    }
    const names = (path: string) => document.paths[path].get.parameters?.map((p) => `${p.in}:${p.name}:${p.required}`);
    expect(names('/v1/tasks')).toEqual(
      expect.arrayContaining(['query:status:false', 'query:limit:false', 'query:offset:false']),
    );
    expect(names('/v1/tasks/{id}')).toEqual(expect.arrayContaining(['path:id:true', 'query:wait:false']));
  });

  it('should describe every success answer with a schema of named properties', () => {
    for (const { path, method, operation } of operations()) {
      const successes = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      expect({ path, method, successes: successes.length > 0 }).toEqual({ path, method, successes: true });
      for (const [status, response] of successes) {
        const schema = response.content?.['application/json']?.schema as Schema;
        const where = `${method.toUpperCase()} ${path} ${status}`;
        if (path === '/oauth/revoke') {
          expect({ where, schema }).toEqual({
            where,
            schema: expect.objectContaining({ additionalProperties: false }),
          });
          continue;
        }
        expect({ where, ref: schema?.$ref }).toEqual({ where, ref: expect.any(String) });
        expect({ where, properties: Object.keys(resolve(schema).properties ?? {}).length > 0 }).toEqual({
          where,
          properties: true,
        });
      }
    }
  });

  it('should document errors with their body: {"error"} for the API, RFC 6749 for OAuth', () => {
    expect(document.components.schemas.ErrorResponse).toMatchObject({
      properties: { error: { type: 'string' } },
      required: ['error'],
    });
    for (const { path, operation } of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!/^[45]/.test(status)) continue;
        const expected = path.startsWith('/oauth/')
          ? 'OAuthErrorResponse'
          : path === '/health'
            ? 'HealthUnavailableResponse'
            : 'ErrorResponse';
        expect(response.content?.['application/json']?.schema.$ref).toBe(`#/components/schemas/${expected}`);
      }
    }
    expect(Object.keys(document.paths['/v1/tasks'].post.responses)).toEqual(
      expect.arrayContaining(['201', '200', '400', '401', '403', '422', '429']),
    );
  });

  it('should require only targetUrl on a task', () => {
    expect(document.components.schemas.CreateTaskDto.required).toEqual(['targetUrl']);
  });

  it('should offer API keys and OAuth clients in the Authorize dialog, with each route declaring its way in', () => {
    expect(document.components.securitySchemes.oauth2).toMatchObject({
      type: 'oauth2',
      flows: {
        clientCredentials: {
          tokenUrl: '/oauth/token',
          scopes: {
            'tokens:read': expect.any(String),
            'tokens:write': expect.any(String),
            'tasks:read': expect.any(String),
            'tasks:write': expect.any(String),
          },
        },
      },
    });
    for (const { path, operation } of operations()) {
      const isPublic = PUBLIC_PATHS.includes(path) || PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix));
      if (isPublic) continue;
      expect({ path, security: operation.security }).toEqual({
        path,
        security: expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]),
      });
    }
    expect(document.paths['/v1/tasks'].post.security).toContainEqual({ oauth2: ['tasks:write'] });
    expect(document.paths['/v1/tokens'].get.security).toContainEqual({ oauth2: ['tokens:read'] });
    // Team self-service is for API keys only.
    expect(JSON.stringify(document.paths['/v1/api-keys'].post.security)).not.toContain('oauth2');
  });

  it('should take the token request as a form or as JSON', () => {
    for (const path of ['/oauth/token', '/oauth/revoke', '/oauth/introspect']) {
      const content = document.paths[path].post.requestBody?.content ?? {};
      expect(Object.keys(content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    }
    expect(resolve(document.paths['/oauth/token'].post.requestBody!.content['application/json'].schema)).toMatchObject({
      properties: { grant_type: expect.anything(), scope: expect.anything(), client_id: expect.anything() },
    });
  });

  it('should accept every task example exactly as it is', async () => {
    const examples = document.paths['/v1/tasks'].post.requestBody!.content['application/json'].examples ?? {};
    expect(Object.keys(examples).length).toBeGreaterThan(0);
    for (const [name, { value }] of Object.entries(examples)) {
      const response = await client.request('POST', '/v1/tasks', value);
      expect({ name, status: response.status, body: response.status === 201 ? null : response.body }).toEqual({
        name,
        status: 201,
        body: null,
      });
    }
  });

  it.each(['/v1/tokens', '/v1/api-keys', '/v1/oauth/clients'])(
    'should accept the body Swagger UI builds for POST %s',
    async (path) => {
      const body = exampleOf(resolve(document.paths[path].post.requestBody!.content['application/json'].schema));
      const response = await client.request('POST', path, body);
      expect({ body, status: response.status }).toEqual({ body, status: 201 });
    },
  );

  /** What Swagger UI fills in: each property's example, else its default, else a placeholder of its type. */
  function exampleOf(schema: Schema): unknown {
    if (schema.example !== undefined) return schema.example;
    if (schema.default !== undefined) return schema.default;
    if (schema.$ref || schema.allOf) return exampleOf(resolve(schema.allOf?.[0] ?? schema));
    if (schema.enum) return schema.enum[0];
    switch (schema.type) {
      case 'object':
        return Object.fromEntries(
          Object.entries(schema.properties ?? {}).map(([name, property]) => [name, exampleOf(property)]),
        );
      case 'array':
        return [exampleOf(schema.items ?? {})];
      case 'number':
      case 'integer':
        return 0;
      case 'boolean':
        return true;
      case 'string':
      case undefined:
        return 'string';
    }
    return 'string';
  }
});
