// What every benchmark script needs around an AsyncQueue build: a fresh database on the shared
// PostgreSQL server, the service's processes, and waiting for a count to reach zero.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { sleep, startNode, waitForHealth } from './processes.mjs';

export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';

async function onServer(sql) {
  const admin = new pg.Client({ connectionString: SERVER_URL });
  await admin.connect();
  try {
    for (const statement of sql) await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/** Drops and creates database `name` (with `settings`, e.g. `track_functions = 'pl'`); returns its URL. */
export async function freshDatabase(name, settings = []) {
  await onServer([
    `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
    `CREATE DATABASE ${name}`,
    ...settings.map((setting) => `ALTER DATABASE ${name} SET ${setting}`),
  ]);
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function dropDatabase(name) {
  return onServer([`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
}

/** Creates team `name` with the admin CLI of the build at `root` (on `env`'s database); returns its JSON answer. */
export function createTeamWithCli(root, env, name) {
  return JSON.parse(
    execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'teams', 'create', '--name', name], {
      env: { ...process.env, ...env },
    }).toString(),
  );
}

/** Starts the built server of the checkout at `root` on `port` in `role`; does not wait for it. */
export function spawnAsyncQueue(root, env, port, role) {
  return startNode(join(root, 'dist', 'main.js'), [], { ...env, PORT: String(port), ...role });
}

/** Starts it and waits until it reports healthy. */
export async function startAsyncQueue(root, env, port, role) {
  const child = spawnAsyncQueue(root, env, port, role);
  await waitForHealth(`http://127.0.0.1:${port}`, child);
  return child;
}

/**
 * Polls `remaining()` every `pollMs` until it is 0 and returns when it was first seen at 0,
 * reporting what is left every few seconds through `progress`.
 */
export async function until(remaining, what, { progress = () => {}, timeoutMs = 600_000, pollMs = 10 } = {}) {
  const started = Date.now();
  let reported = started;
  for (;;) {
    const left = await remaining();
    if (left === 0) return Date.now();
    if (Date.now() - reported > 2000) {
      progress(`  ${what}: ${left} left`);
      reported = Date.now();
    }
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not finish in time`);
    await sleep(pollMs);
  }
}
