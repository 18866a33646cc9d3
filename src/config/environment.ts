import { existsSync } from 'node:fs';

export type RawEnvironment = Record<string, string | undefined>;

/** The only place that reads process.env: `.env` (if present) is loaded first, real variables win. */
export function readEnvironment(): RawEnvironment {
  if (existsSync('.env')) {
    process.loadEnvFile('.env');
  }
  return { ...process.env };
}
