import { existsSync } from 'node:fs';

/** The only place tests read their own environment. */
export function testDatabaseKind(): 'postgres' | 'pglite' {
  return process.env.TEST_DB === 'pglite' ? 'pglite' : 'postgres';
}

export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
}

/** Names this run's databases (set by the global setup; `local` when a file runs outside it). */
export function testRunId(): string {
  return process.env.AQ_TEST_RUN_ID ?? 'local';
}

/** Chromium for the browser tests: CHROMIUM_PATH, or Debian's package; null when neither is there. */
export function chromiumPath(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path): path is string => !!path && existsSync(path)) ?? null;
}
