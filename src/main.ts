import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureApp } from './app.setup.js';
import { AppModule } from './app.module.js';
import { EmbeddedBootstrapService } from './auth/embedded-bootstrap.service.js';
import { AppLogger } from './common/logging/app-logger.js';
import { boundHeapGrowth } from './common/runtime/heap-growth.js';
import { startupFailureReason } from './common/logging/startup-failure.js';
import type { AppConfiguration } from './config/configuration.js';
import { loadConfigurationOrExit } from './config/load-configuration.js';
import { lockEmbeddedDataDirOrExit } from './database/data-dir-lock.js';

async function bootstrap(): Promise<void> {
  boundHeapGrowth();
  const config = loadConfigurationOrExit();
  lockEmbeddedDataDirOrExit(config.database);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // Start-up logs wait for the configured logger; a failed start prints one line instead of them.
    bufferLogs: true,
    autoFlushLogs: false,
    abortOnError: false,
    bodyParser: false,
  });
  configureApp(app);
  await app.listen(config.http.port);
  if (config.http.apiEnabled) await app.get(EmbeddedBootstrapService).createDefaultTeamIfEmpty();
  app.get(AppLogger).log(listeningLine(config));
}

/** `AsyncQueue listening on http://0.0.0.0:3000 (api, worker)`: the one line start-up owes an operator. */
function listeningLine(config: AppConfiguration): string {
  const roles = [config.http.apiEnabled && 'api', config.executor.enabled && 'worker'].filter(Boolean);
  const serving = roles.length > 0 ? roles.join(', ') : 'health and metrics only';
  return `AsyncQueue listening on http://0.0.0.0:${config.http.port} (${serving})`;
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`AsyncQueue failed to start: ${startupFailureReason(error)}\n`);
  process.exit(1);
});
