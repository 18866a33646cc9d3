import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CliModule } from './cli/cli.module.js';
import { CliUsageError, runCommand } from './cli/commands.js';
import { loadConfigurationOrExit } from './config/load-configuration.js';

/**
 * Admin CLI: exactly one JSON line on stdout and exit 0 on success; a readable message on
 * stderr and a non-zero exit otherwise. Same configuration as the server.
 */
async function main(argv: string[]): Promise<number> {
  const config = loadConfigurationOrExit();
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const output = await runCommand(app, argv);
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message}\n`);
    if (error instanceof CliUsageError) process.stderr.write(`${CliUsageError.usage}\n`);
    process.exit(error instanceof CliUsageError ? 2 : 1);
  },
);
