import { buildConfiguration, ConfigValidationError, type AppConfiguration } from './configuration.js';
import { readEnvironment } from './environment.js';

/** Start-up entry for main.ts and cli.ts: one readable line naming the variable, then exit. */
export function loadConfigurationOrExit(): AppConfiguration {
  try {
    return buildConfiguration(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
