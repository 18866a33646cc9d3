import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import supertest from 'supertest';
import type { DataSource } from 'typeorm';
import { configureApp } from '../../src/app.setup.js';
import { AppModule } from '../../src/app.module.js';
import { TeamsService } from '../../src/auth/teams.service.js';
import { buildConfiguration } from '../../src/config/configuration.js';
import { freePort } from './service-process.js';
import type { TestDatabase } from './test-database.js';

export interface TestApp {
  app: NestExpressApplication;
  http: () => supertest.Agent;
  db: DataSource;
  createTeam(name?: string): Promise<{ teamId: string; key: string }>;
  close(): Promise<void>;
}

export function randomVaultKey(id = 'k1'): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/**
 * The production AppModule with the production setup (pipes, filters, guards, body limits),
 * on the given test database. The worker is off unless asked for.
 */
export async function startTestApp(database: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
  const config = buildConfiguration({
    WORKER_ENABLED: 'false',
    LOG_LEVEL: 'silent',
    VAULT_KEYS: randomVaultKey(),
    ...database.env,
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({
    bodyParser: false,
    logger: false,
  });
  configureApp(app);
  try {
    await app.init();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const db = app.get<DataSource>(getDataSourceToken());
  const teams = app.get(TeamsService);
  return {
    app,
    http: () => supertest.agent(app.getHttpServer()),
    db,
    async createTeam(name = 'team') {
      const { team, key } = await teams.create(name);
      return { teamId: team.id, key };
    },
    close: () => app.close(),
  };
}

/**
 * A test app with the worker on, listening on a real loopback port that PUBLIC_BASE_URL names, so
 * local providers can call its callback URLs and local targets are allowed.
 */
export async function startServingTestApp(database: TestDatabase): Promise<TestApp & { baseUrl: string }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const sut = await startTestApp(database, {
    WORKER_ENABLED: 'true',
    ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
    EXECUTOR_POLL_INTERVAL_MS: '100',
    PUBLIC_BASE_URL: baseUrl,
  });
  await sut.app.listen(port, '127.0.0.1');
  return { ...sut, baseUrl };
}

export function bearer(key: string): Record<string, string> {
  return { Authorization: `Bearer ${key}` };
}
