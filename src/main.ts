import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureApp } from './app.setup.js';
import { AppModule } from './app.module.js';
import { loadConfigurationOrExit } from './config/load-configuration.js';
import { lockEmbeddedDataDirOrExit } from './database/data-dir-lock.js';

async function bootstrap(): Promise<void> {
  const config = loadConfigurationOrExit();
  lockEmbeddedDataDirOrExit(config.database);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  configureApp(app);
  await app.listen(config.http.port);
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`AsyncQueue failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
