// Retention soak (issue #21): BENCH_SOAK_RATE tasks/s (default 300) through the API for
// BENCH_SOAK_MINUTES (default 20) with one worker whose retention is BENCH_SOAK_RETENTION_DAYS
// (default 0.0007, about a minute) and sweeps every 5 s. Samples the task table's row count and
// sizes every 15 s: they should level off instead of climbing. Writes bench/results/soak.json.
// Needs `npm run build` (npm run bench:soak does it). Dead rows are PostgreSQL's to reclaim
// (autovacuum): on a server where autovacuum is off, as on the benchmark machine, the soak runs a
// plain VACUUM of the task tables every BENCH_SOAK_VACUUM_SECONDS (default 60, autovacuum's naptime)
// in its place, and reports that it did.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Agent, request } from 'undici';
import { sleep, startNode, stop, waitForMessage } from './lib/processes.mjs';
import { createTeamWithCli, dropDatabase, freshDatabase, startAsyncQueue } from './lib/service.mjs';
import { round } from './lib/stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RATE = Number(process.env.BENCH_SOAK_RATE ?? 300);
const MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 20);
const RETENTION_DAYS = process.env.BENCH_SOAK_RETENTION_DAYS ?? '0.0007';
const SAMPLE_SECONDS = 15;
const VACUUM_SECONDS = Number(process.env.BENCH_SOAK_VACUUM_SECONDS ?? 60);
const TARGET_PORT = 4796;
const API_PORT = 4797;
const WORKER_PORT = 4798;
const DB_NAME = 'aq_soak';

const progress = (message) => process.stderr.write(`[soak] ${message}\n`);
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 32 });

async function sample(db, startedAt, sent, failed) {
  const { rows: [row] } = await db.query(
    `SELECT (SELECT count(*) FROM tasks)::int AS tasks, (SELECT count(*) FROM task_attempts)::int AS attempts,
       pg_relation_size('tasks') AS heap, pg_indexes_size('tasks') AS indexes,
       pg_relation_size('task_attempts') + pg_indexes_size('task_attempts') AS attempts_bytes,
       (SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'tasks') AS dead`,
  );
  const mb = (bytes) => round(Number(bytes) / 1024 / 1024, 1);
  return {
    atSeconds: Math.round((Date.now() - startedAt) / 1000),
    sent,
    failedCreates: failed,
    taskRows: row.tasks,
    attemptRows: row.attempts,
    deadTaskRows: Number(row.dead),
    tasksHeapMb: mb(row.heap),
    tasksIndexesMb: mb(row.indexes),
    attemptsMb: mb(row.attempts_bytes),
    loadAverage: loadavg()[0],
  };
}

async function main() {
  const env = {
    DATABASE_URL: await freshDatabase(DB_NAME),
    VAULT_KEYS: `soak:${Buffer.alloc(32, 9).toString('base64')}`,
    ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
    RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: 'warn',
    TASK_RETENTION_DAYS: RETENTION_DAYS,
    SWEEP_INTERVAL_SECONDS: '5',
  };
  const target = startNode(join(ROOT, 'bench', 'target.mjs'), [String(TARGET_PORT)]);
  await waitForMessage(target, 'ready');
  const api = await startAsyncQueue(ROOT, env, API_PORT, { WORKER_ENABLED: 'false' });
  const worker = await startAsyncQueue(ROOT, env, WORKER_PORT, { API_ENABLED: 'false' });
  const team = createTeamWithCli(ROOT, env, 'soak');
  const headers = { Authorization: `Bearer ${team.apiKey}`, 'Content-Type': 'application/json' };
  const payload = JSON.stringify({ targetUrl: `http://127.0.0.1:${TARGET_PORT}/hook`, body: '{"soak":true}' });
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  await db.connect();

  const { rows: [{ autovacuum }] } = await db.query('SHOW autovacuum');
  const vacuumer = autovacuum === 'off' ? new pg.Client({ connectionString: env.DATABASE_URL }) : null;
  await vacuumer?.connect();
  const vacuums = [];
  const vacuumTimer =
    vacuumer &&
    setInterval(() => {
      const started = Date.now();
      vacuumer
        .query('VACUUM tasks, task_attempts')
        .then(() => vacuums.push({ atSeconds: Math.round((started - startedAt) / 1000), ms: Date.now() - started }))
        .catch((error) => progress(`VACUUM failed: ${error.message}`));
    }, VACUUM_SECONDS * 1000);

  const samples = [];
  let sent = 0;
  let failed = 0;
  const startedAt = Date.now();
  const endAt = startedAt + MINUTES * 60_000;
  let nextSample = startedAt;
  const inFlight = new Set();
  progress(`${RATE} tasks/s for ${MINUTES} min, retention ${RETENTION_DAYS} days, autovacuum ${autovacuum}`);
  for (let i = 0; Date.now() < endAt; i += 1) {
    const wait = startedAt + (i * 1000) / RATE - Date.now();
    if (wait > 0) await sleep(wait);
    const call = request(`http://127.0.0.1:${API_PORT}/v1/tasks`, { method: 'POST', headers, body: payload, dispatcher: agent })
      .then(async (response) => {
        await response.body.dump();
        if (response.statusCode === 201) sent += 1;
        else failed += 1;
      })
      .catch(() => (failed += 1))
      .finally(() => inFlight.delete(call));
    inFlight.add(call);
    if (Date.now() >= nextSample) {
      nextSample += SAMPLE_SECONDS * 1000;
      const point = await sample(db, startedAt, sent, failed);
      samples.push(point);
      progress(JSON.stringify(point));
    }
  }
  await Promise.all(inFlight);
  samples.push(await sample(db, startedAt, sent, failed));
  if (vacuumTimer) clearInterval(vacuumTimer);
  await vacuumer?.end();
  await db.end();
  await stop(worker);
  await stop(api);
  await stop(target);
  await dropDatabase(DB_NAME);
  const report = {
    at: new Date().toISOString(),
    rate: RATE,
    minutes: MINUTES,
    retentionDays: Number(RETENTION_DAYS),
    autovacuum,
    vacuumsRunInItsPlace: vacuums,
    sent,
    failed,
    samples,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify({ sent, failed, first: samples[1], last: samples.at(-1) }, null, 2));
}

await main();
