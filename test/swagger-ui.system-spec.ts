import { chromium, type Browser, type Page } from 'playwright-core';
import { ApiClient } from './helpers/api-client.js';
import { randomVaultKey } from './helpers/test-app.js';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { chromiumPath } from './helpers/test-env.js';
import { runNode, startService, type ServiceProcess } from './helpers/service-process.js';

const executablePath = chromiumPath();
// Never a silent pass: without a browser the suite is reported as skipped, with the reason.
const describeInBrowser = executablePath ? describe : describe.skip;
if (!executablePath) {
  process.stderr.write(
    'Swagger UI browser test skipped: no Chromium at /usr/bin/chromium (apt-get install chromium, or set CHROMIUM_PATH)\n',
  );
}

interface ShownResponse {
  status: string;
  body: string;
}

/**
 * Swagger UI at /docs, driven in headless Chromium the way a newcomer uses it (issue #19):
 * authorize, "Try it out" on POST /v1/tokens and GET /v1/tasks with the bodies the page offers,
 * and read the answers it shows. Once with an API key, once through the OAuth2 client-credentials
 * dialog. The worker is off, so nothing the page creates is ever called.
 */
describeInBrowser(`Swagger UI in a browser (system, ${executablePath ?? 'no Chromium'})`, () => {
  let database: TestDatabase;
  let service: ServiceProcess;
  let client: ApiClient;
  let apiKey: string;
  let browser: Browser;
  let taskId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { ...database.env, VAULT_KEYS: randomVaultKey(), WORKER_ENABLED: 'false' };
    const team = await runNode('cli.js', ['teams', 'create', '--name', 'docs'], env);
    apiKey = (JSON.parse(team.stdout) as { apiKey: string }).apiKey;
    service = await startService(env);
    client = new ApiClient(service.url, apiKey);
    taskId = await client.createTask({ targetUrl: 'https://example.com/', method: 'GET' });
    browser = await chromium.launch({ executablePath: executablePath as string, args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.kill('SIGTERM');
    await database?.drop();
  });

  /** A fresh page (no authorization remembered) with the document loaded. */
  async function openDocs(): Promise<{ page: Page; authorizations: string[] }> {
    const page = await (await browser.newContext()).newPage();
    const authorizations: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/v1/'))
        authorizations.push(request.headers().authorization ?? '');
    });
    await page.goto(`${service.url}/docs`);
    await page.locator('.opblock').first().waitFor();
    return { page, authorizations };
  }

  async function tryItOut(page: Page, operationId: string): Promise<ShownResponse> {
    const operation = page.locator(`[id$="-${operationId}"]`);
    await operation.locator('.opblock-summary').first().click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    await operation.getByRole('button', { name: 'Execute' }).click();
    const shown = operation.locator('.live-responses-table .response').first();
    await shown.waitFor();
    return {
      status: await shown.locator('.response-col_status').innerText(),
      body: await shown.locator('.response-col_description pre').first().innerText(),
    };
  }

  async function expectTheTwoCallsToWork(page: Page): Promise<void> {
    const stored = await tryItOut(page, 'VaultController_create');
    expect(stored.status).toBe('201');
    expect(JSON.parse(stored.body)).toEqual({
      token: {
        id: expect.stringMatching(/^tok_[0-9a-z]{26}$/),
        name: 'Example API key',
        createdAt: expect.any(String),
        allowedHosts: ['api.example.com'],
      },
    });
    expect(stored.body).not.toContain('sk-example');

    const listed = await tryItOut(page, 'TasksController_list');
    expect(listed.status).toBe('200');
    expect(JSON.parse(listed.body)).toMatchObject({
      tasks: [expect.objectContaining({ id: taskId, targetUrl: 'https://example.com/' })],
      pagination: { total: 1, totalIsEstimate: false, limit: 20, offset: 0, hasMore: false, nextCursor: null },
    });
  }

  it('should store a vault token and list tasks after authorizing with an API key', async () => {
    const { page, authorizations } = await openDocs();
    await page.locator('button.authorize').first().click();
    const bearerForm = page.locator('.modal-ux .auth-container').filter({ hasText: '(http, Bearer)' });
    await bearerForm.locator('#auth-bearer-value').fill(apiKey);
    await bearerForm.getByRole('button', { name: 'Apply credentials' }).click();
    await bearerForm.getByText('Authorized').waitFor();
    await bearerForm.getByRole('button', { name: 'Close' }).click();

    await expectTheTwoCallsToWork(page);
    expect(authorizations).toEqual([`Bearer ${apiKey}`, `Bearer ${apiKey}`]);
  }, 60_000);

  it('should do the same after authorizing an OAuth client in the client-credentials dialog', async () => {
    const registered = await client.request<{ client: { id: string }; clientSecret: string }>(
      'POST',
      '/v1/oauth/clients',
      { name: 'swagger ui', scopes: ['tokens:write', 'tasks:read'] },
    );
    expect(registered.status).toBe(201);
    const { page, authorizations } = await openDocs();
    await page.locator('button.authorize').first().click();
    const oauthForm = page.locator('.modal-ux .auth-container').filter({ hasText: 'clientCredentials' });
    await oauthForm.locator('#client_id_clientCredentials').fill(registered.body.client.id);
    await oauthForm.locator('#client_secret_clientCredentials').fill(registered.body.clientSecret);
    for (const scope of ['tokens:write', 'tasks:read']) {
      await oauthForm.locator(`label[for="${scope}-clientCredentials-checkbox-oauth2"]`).click();
    }
    await oauthForm.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
    await oauthForm.getByText('Authorized').waitFor();
    await oauthForm.getByRole('button', { name: 'Close' }).click();

    await expectTheTwoCallsToWork(page);
    expect(authorizations).toHaveLength(2);
    for (const authorization of authorizations) expect(authorization).toMatch(/^Bearer aq_at_/);
  }, 60_000);
});
