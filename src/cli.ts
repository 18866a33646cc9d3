import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CliModule } from './cli/cli.module.js';
import { CliUsageError, parseCommandLine, runCommand } from './cli/commands.js';
import { startupFailureReason } from './common/logging/startup-failure.js';
import { loadConfigurationOrExit } from './config/load-configuration.js';
import { lockEmbeddedDataDirOrExit } from './database/data-dir-lock.js';

/**
 * Admin CLI: exactly one JSON document on stdout and exit 0 on success; a readable message on
 * stderr and a non-zero exit otherwise (2 for a usage mistake). `--help` at any level prints the
 * help of that level and touches nothing.
 */
async function main(argv: string[]): Promise<number> {
  const invocation = parseCommandLine(argv);
  if ('help' in invocation) {
    process.stdout.write(`${invocation.help}\n`);
    return 0;
  }
  const config = loadConfigurationOrExit();
  lockEmbeddedDataDirOrExit(config.database);
  // Nest's own error lines (each connection retry with its stack) would repeat what the one
  // readable line below says; with abortOnError off the error reaches it instead of exiting.
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), {
    logger: false,
    abortOnError: false,
  });
  try {
    const output = await runCommand(app, invocation);
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${startupFailureReason(error)}\n`);
    if (error instanceof CliUsageError) process.stderr.write(`\n${error.help}\n`);
    process.exit(error instanceof CliUsageError ? 2 : 1);
  },
);
