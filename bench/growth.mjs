// Growth benchmark (issue #21, SPEC §11): the same measures on an empty database and on one holding
// BENCH_GROWTH_ROWS (default 1,000,000) finished tasks of the measured team, loaded by SQL with their
// attempts: drain rate, create rate and p99, GET /v1/tasks?limit=20 p99 with and without
// status=failed, GET /v1/tasks/{id} p99. Then, on the loaded database, the retention sweep: due→call
// p99 at a steady rate while it deletes the backlog against the same load with no sweep, how fast it
// deletes, and table and index sizes before and after (and after a VACUUM). Writes
// bench/results/growth.json. Needs `npm run build` (npm run bench:growth does it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { Agent, request } from 'undici';
import { sleep, startNode, stop, waitForMessage } from './lib/processes.mjs';
import { createTeamWithCli, dropDatabase, freshDatabase, startAsyncQueue as startBuild } from './lib/service.mjs';
import { percentile, round } from './lib/stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = Number(process.env.BENCH_GROWTH_ROWS ?? 1_000_000);
const DRAIN_TASKS = Number(process.env.BENCH_GROWTH_DRAIN_TASKS ?? 5_000);
const SECONDS = Number(process.env.BENCH_GROWTH_SECONDS ?? 10);
const LATENCY_RATE = 200;
const LATENCY_SECONDS = Number(process.env.BENCH_GROWTH_LATENCY_SECONDS ?? 15);
const TARGET_PORT = 4793;
const API_PORT = 4794;
const WORKER_PORT = 4795;
const TARGET_URL = `http://127.0.0.1:${TARGET_PORT}/hook`;
const TERMINAL = `('completed', 'failed', 'timeout', 'cancelled')`;

const progress = (message) => process.stderr.write(`[growth] ${message}\n`);
const loadAgent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

const startAsyncQueue = (env, port, role) => startBuild(ROOT, env, port, role);

const target = (path, method = 'GET') => fetch(`http://127.0.0.1:${TARGET_PORT}${path}`, { method });

/**
 * Finished tasks of one team by SQL, as the executor leaves them: 9 in 10 completed with one
 * attempt and a result, 1 in 10 failed after three attempts. Created 30 to 8 days ago, so all are
 * past the default 7-day retention.
 */
async function loadHistory(db, teamId, rows) {
  const chunk = 100_000;
  for (let from = 1; from <= rows; from += chunk) {
    const to = Math.min(rows, from + chunk - 1);
    await db.query(
      `INSERT INTO tasks (id, team_id, status, target_url, method, headers, body, timeout_seconds, max_wait_seconds,
         max_retries, retry_backoff, priority, created_at, run_at, started_at, completed_at, attempt_count, retry_count,
         result, error)
       SELECT gen_random_uuid(), $1, CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'completed' END, $2, 'POST',
         '{"Content-Type":"application/json"}', '{"hello":"world"}', 30, 30, 3, 'exponential', 5,
         ts, ts, ts, ts + interval '1 second', CASE WHEN g % 10 = 0 THEN 3 ELSE 1 END, CASE WHEN g % 10 = 0 THEN 2 ELSE 0 END,
         CASE WHEN g % 10 = 0 THEN NULL ELSE '{"statusCode":200,"headers":{},"body":"{\\"ok\\":true}","duration":3}'::jsonb END,
         CASE WHEN g % 10 = 0 THEN 'Server error: HTTP 500 - Internal Server Error' END
       FROM generate_series($3::int, $4::int) g,
         LATERAL (SELECT now() - interval '30 days' + (g::float8 / $5) * interval '22 days' AS ts) t`,
      [teamId, TARGET_URL, from, to, rows],
    );
    progress(`  loaded ${to}/${rows} tasks`);
  }
  await db.query(
    `INSERT INTO task_attempts (task_id, number, started_at, duration_ms, status_code, error)
     SELECT t.id, n, t.started_at, 3, CASE WHEN t.status = 'failed' THEN 500 ELSE 200 END,
       CASE WHEN t.status = 'failed' THEN 'Server error: HTTP 500 - Internal Server Error' END
     FROM tasks t, generate_series(1, t.attempt_count) n WHERE t.team_id = $1`,
    [teamId],
  );
  progress('  loaded attempts; VACUUM ANALYZE');
  await db.query('VACUUM ANALYZE tasks, task_attempts');
}

async function sizes(db) {
  const { rows } = await db.query(
    `SELECT c.relname AS name, pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes,
       s.n_live_tup AS live, s.n_dead_tup AS dead
     FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.relname IN ('tasks', 'task_attempts')
     ORDER BY c.relname`,
  );
  const mb = (bytes) => round(Number(bytes) / 1024 / 1024, 1);
  return Object.fromEntries(
    rows.map((r) => [r.name, { heapMb: mb(r.heap), indexesMb: mb(r.indexes), liveRows: Number(r.live), deadRows: Number(r.dead) }]),
  );
}

async function cannon(options) {
  const result = await autocannon({ connections: 8, duration: SECONDS, ...options });
  return { requestsPerSecond: round(result.requests.average), p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

async function measureReads(auth, taskId) {
  const headers = { Authorization: auth.Authorization };
  const url = (path) => `http://127.0.0.1:${API_PORT}${path}`;
  await autocannon({ url: url('/v1/tasks?limit=20'), headers, connections: 8, duration: 2 });
  progress('  GET /v1/tasks?limit=20');
  const list = await cannon({ url: url('/v1/tasks?limit=20'), headers });
  progress('  GET /v1/tasks?status=failed&limit=20');
  const listFailed = await cannon({ url: url('/v1/tasks?status=failed&limit=20'), headers });
  progress('  GET /v1/tasks/{id}');
  const get = await cannon({ url: url(`/v1/tasks/${taskId}`), headers });
  const page = await (await fetch(url('/v1/tasks?limit=20'), { headers })).json();
  return { list, listFailed, get, listPagination: page.pagination };
}

async function createThroughApi(auth, body, count) {
  const payload = JSON.stringify(body);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      const response = await request(`http://127.0.0.1:${API_PORT}/v1/tasks`, { method: 'POST', headers: auth, body: payload, dispatcher: loadAgent });
      await response.body.json();
      if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
}

const UNFINISHED_SQL = `SELECT ((SELECT count(*) FROM tasks WHERE status IN ('pending', 'delayed', 'polling'))
  + (SELECT count(*) FROM tasks WHERE status = 'processing'))::int AS n`;

async function untilNone(db, sql, what, timeoutMs = 900_000, pollMs = 20) {
  const started = Date.now();
  for (;;) {
    const { rows: [row] } = await db.query(sql);
    if (!row.n) return Date.now();
    if (Date.now() - started > timeoutMs) throw new Error(`${what} did not finish in time`);
    await sleep(pollMs);
  }
}

async function measureDrain(db, env, auth, body) {
  await createThroughApi(auth, body, DRAIN_TASKS);
  await target('/reset', 'POST');
  const worker = startNode(join(ROOT, 'dist', 'main.js'), [], { ...env, PORT: String(WORKER_PORT), API_ENABLED: 'false' });
  const end = await untilNone(db, UNFINISHED_SQL, 'drain');
  const stats = await (await target('/stats')).json();
  await stop(worker);
  return { tasks: DRAIN_TASKS, tasksPerSecond: round(DRAIN_TASKS / ((end - stats.firstAt) / 1000)), exactlyOnce: stats.distinct === DRAIN_TASKS && stats.duplicates === 0 };
}

/** A steady LATENCY_RATE tasks/s through the API; returns due→call times (ms) of the tasks sent. */
async function dueToCall(db, auth, body, seconds) {
  await target('/reset', 'POST');
  const payload = JSON.stringify(body);
  const ids = [];
  const pending = [];
  const started = Date.now();
  for (let i = 0; i < LATENCY_RATE * seconds; i += 1) {
    const wait = started + (i * 1000) / LATENCY_RATE - Date.now();
    if (wait > 0) await sleep(wait);
    pending.push(
      request(`http://127.0.0.1:${API_PORT}/v1/tasks`, { method: 'POST', headers: auth, body: payload, dispatcher: loadAgent }).then(async (r) => ids.push((await r.body.json()).task.id)),
    );
  }
  await Promise.all(pending);
  const deadline = Date.now() + 60_000;
  let stats;
  do {
    await sleep(200);
    stats = await (await target('/stats')).json();
  } while (ids.some((id) => stats.arrivals[id] === undefined) && Date.now() < deadline);
  const { rows } = await db.query(`SELECT id, created_at FROM tasks WHERE id = ANY($1::uuid[])`, [ids]);
  const times = rows.map((row) => stats.arrivals[row.id] - row.created_at.getTime()).filter((ms) => !Number.isNaN(ms));
  return { tasks: ids.length, called: times.length, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

async function scenario(name, rows) {
  progress(`${name}: fresh database, ${rows} finished tasks`);
  const dbName = `aq_growth_${name}`;
  const url = await freshDatabase(dbName);
  const env = {
    DATABASE_URL: url,
    VAULT_KEYS: `growth:${Buffer.alloc(32, 7).toString('base64')}`,
    ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
    RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: 'warn',
    TASK_RETENTION_DAYS: '0',
  };
  const api = await startAsyncQueue(env, API_PORT, { WORKER_ENABLED: 'false' });
  const team = createTeamWithCli(ROOT, env, 'growth');
  const auth = { Authorization: `Bearer ${team.apiKey}`, 'Content-Type': 'application/json' };
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  // Both databases hold some history, so the lists have pages to show; the loaded one a lot.
  await loadHistory(db, team.team.id, Math.max(rows, 200));
  const { rows: [failed] } = await db.query(`SELECT id FROM tasks WHERE status = 'failed' ORDER BY created_at LIMIT 1`);
  const body = { targetUrl: TARGET_URL, headers: { 'Content-Type': 'application/json' }, body: '{"hello":"world"}' };
  const before = await sizes(db);
  const reads = await measureReads(auth, failed.id);
  progress('  POST /v1/tasks, 32 connections');
  const create = await cannon({ url: `http://127.0.0.1:${API_PORT}/v1/tasks`, method: 'POST', headers: auth, body: JSON.stringify(body), connections: 32 });
  await sleep(1000);
  await db.query(`DELETE FROM tasks WHERE status = 'pending'`);
  progress(`  drain of ${DRAIN_TASKS}`);
  const drain = await measureDrain(db, env, auth, body);
  const result = { rows: Math.max(rows, 200), sizes: before, ...reads, create, drain };
  if (rows >= 100_000) result.sweep = await measureSweep(db, env, auth, body);
  await db.end();
  await stop(api);
  await dropDatabase(dbName);
  return result;
}

/**
 * The retention sweep of the loaded backlog: due→call at LATENCY_RATE with a worker that keeps
 * everything (idle), then with a worker whose retention (7 days) makes it delete every loaded task
 * while the same load runs; then how long the whole backlog took, and the sizes.
 */
async function measureSweep(db, env, auth, body) {
  progress('  sweep: due→call with no sweep');
  let worker = await startAsyncQueue(env, WORKER_PORT, { API_ENABLED: 'false' });
  const idle = await dueToCall(db, auth, body, LATENCY_SECONDS);
  await stop(worker);
  const backlog = `SELECT (EXISTS (SELECT 1 FROM tasks WHERE status IN ${TERMINAL} AND completed_at < now() - interval '7 days'))::int AS n`;
  progress('  sweep: due→call while the sweep deletes the backlog');
  worker = await startAsyncQueue({ ...env, TASK_RETENTION_DAYS: '7', SWEEP_INTERVAL_SECONDS: '1' }, WORKER_PORT, { API_ENABLED: 'false' });
  const sweepStarted = Date.now();
  await sleep(1500);
  const during = await dueToCall(db, auth, body, LATENCY_SECONDS);
  const { rows: [{ left }] } = await db.query(`SELECT count(*)::int AS left FROM tasks WHERE status IN ${TERMINAL} AND completed_at < now() - interval '7 days'`);
  const sweptWhileMeasuring = ROWS - left;
  // Polled every second: the check walks the index entries of rows deleted so far until a vacuum.
  const end = await untilNone(db, backlog, 'sweep', 900_000, 1000);
  await stop(worker);
  const seconds = (end - sweepStarted) / 1000;
  await sleep(2000);
  const afterSweep = await sizes(db);
  progress('  sweep: VACUUM');
  await db.query('VACUUM tasks, task_attempts');
  const afterVacuum = await sizes(db);
  return {
    dueToCallIdle: idle,
    dueToCallDuringSweep: { ...during, sweptWhileMeasuring },
    sweep: { rows: ROWS, seconds: round(seconds, 1), rowsPerSecond: round(ROWS / seconds) },
    sizesAfterSweep: afterSweep,
    sizesAfterVacuum: afterVacuum,
  };
}

const ratio = (loaded, empty) => (empty ? round(loaded / empty, 2) : null);

async function main() {
  const targetProcess = startNode(join(ROOT, 'bench', 'target.mjs'), [String(TARGET_PORT)]);
  await waitForMessage(targetProcess, 'ready');
  const loadBefore = loadavg();
  try {
    // BENCH_GROWTH_LOADED_FIRST=1 swaps the order, to see how much the order itself moves the figures.
    let empty;
    let loaded;
    if (process.env.BENCH_GROWTH_LOADED_FIRST === '1') {
      loaded = await scenario('loaded', ROWS);
      empty = await scenario('empty', 0);
    } else {
      empty = await scenario('empty', 0);
      loaded = await scenario('loaded', ROWS);
    }
    const report = {
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, memoryGb: round(totalmem() / 1024 ** 3, 1), loadAverageBefore: loadBefore, loadAverageAfter: loadavg() },
      rows: ROWS,
      order: process.env.BENCH_GROWTH_LOADED_FIRST === '1' ? 'loaded first' : 'empty first',
      empty,
      loaded,
      loadedOverEmpty: {
        listP99: ratio(loaded.list.p99Ms, empty.list.p99Ms),
        listFailedP99: ratio(loaded.listFailed.p99Ms, empty.listFailed.p99Ms),
        getP99: ratio(loaded.get.p99Ms, empty.get.p99Ms),
        createRate: ratio(loaded.create.requestsPerSecond, empty.create.requestsPerSecond),
        createP99: ratio(loaded.create.p99Ms, empty.create.p99Ms),
        drainRate: ratio(loaded.drain.tasksPerSecond, empty.drain.tasksPerSecond),
      },
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'growth.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify({ loadedOverEmpty: report.loadedOverEmpty, sweep: loaded.sweep, machine: report.machine }, null, 2));
  } finally {
    await stop(targetProcess);
  }
}

await main();
