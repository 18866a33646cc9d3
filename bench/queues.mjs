// Queue benchmark (issue #20): a governed queue (rateLimit 500/s, concurrency 16) drained by one
// worker — achieved rate, worst rolling-window overshoot computed from the target's arrival times,
// time in the gated claim per task — and the drain of an ungoverned queue by this build against an
// older build (BENCH_OLD_ROOT, e.g. a worktree of the commit before queues), in interleaved rounds
// under the same conditions. Writes bench/results/queues.json. Needs `npm run build` first (npm run
// bench:queues does it) and, for the old build, `npm ci && npm run build` in BENCH_OLD_ROOT.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Agent, request } from 'undici';
import { cpuMeter, peakRssMb, sleep, startNode, stop, waitForHealth, waitForMessage } from './lib/processes.mjs';
import { createTeamWithCli, freshDatabase, spawnAsyncQueue, until as untilZero } from './lib/service.mjs';
import { middleOf, round } from './lib/stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OLD_ROOT = process.env.BENCH_OLD_ROOT ?? null;
const GOVERNED_TASKS = Number(process.env.BENCH_GOVERNED_TASKS ?? 5_000);
const RATE_LIMIT = { limit: Number(process.env.BENCH_RATE_LIMIT ?? 500), period: 1 };
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const DRAIN_TASKS = Number(process.env.BENCH_DRAIN_TASKS ?? 10_000);
const DRAIN_ROUNDS = Number(process.env.BENCH_DRAIN_ROUNDS ?? 3);
// BENCH_ONLY=governed or drain runs that phase alone.
const ONLY = process.env.BENCH_ONLY;
// Ports of their own, so this can run beside bench.mjs.
const TARGET_PORT = 4890;
const API_PORT = 4891;
const WORKER_PORT = 4892;
const TARGET_URL = `http://127.0.0.1:${TARGET_PORT}/hook`;

const progress = (message) => process.stderr.write(`[bench:queues] ${message}\n`);
const agent = new Agent({ keepAliveTimeout: 30_000, connections: 8 });

async function json(url, init = {}) {
  const response = await request(url, { dispatcher: agent, ...init });
  return { status: response.statusCode, body: await response.body.json() };
}

function startService(build, env, port, role) {
  return spawnAsyncQueue(build.root, env, port, role);
}

async function startApi(build) {
  const child = startService(build, build.env, API_PORT, { WORKER_ENABLED: 'false' });
  await waitForHealth(`http://127.0.0.1:${API_PORT}`, child);
  return child;
}

/** A fresh database for one build, its team and API key. */
async function setUp(root, name) {
  // Time spent in plpgsql functions (aq_claim_gated) shows in pg_stat_user_functions.
  const url = await freshDatabase(name, [`track_functions = 'pl'`]);
  const env = {
    DATABASE_URL: url,
    VAULT_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
    RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: 'warn',
  };
  const build = { root, env };
  const api = await startApi(build);
  const team = createTeamWithCli(root, env, 'bench');
  await stop(api);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return { ...build, db, auth: { Authorization: `Bearer ${team.apiKey}`, 'Content-Type': 'application/json' } };
}

async function createTasks(build, count, extra = {}) {
  const task = { targetUrl: TARGET_URL, body: '{"hello":"world"}', headers: { 'Content-Type': 'application/json' }, ...extra };
  for (let made = 0; made < count; made += 1000) {
    const size = Math.min(1000, count - made);
    const { status, body } = await json(`http://127.0.0.1:${API_PORT}/v1/tasks/batch`, {
      method: 'POST',
      headers: build.auth,
      body: JSON.stringify({ tasks: Array.from({ length: size }, () => task) }),
    });
    if (status !== 201) throw new Error(`batch creation answered ${status}: ${JSON.stringify(body).slice(0, 300)}`);
  }
}

const until = (remaining, what) => untilZero(remaining, what, { progress });

const targetStats = async () => (await json(`http://127.0.0.1:${TARGET_PORT}/stats`)).body;
const targetCount = async () => (await json(`http://127.0.0.1:${TARGET_PORT}/count`)).body.total;
const resetTarget = () => json(`http://127.0.0.1:${TARGET_PORT}/reset`, { method: 'POST' });

const UNFINISHED_SQL = `SELECT ((SELECT count(*) FROM tasks WHERE status IN ('pending', 'delayed', 'polling'))
  + (SELECT count(*) FROM tasks WHERE status = 'processing'))::int AS n`;

/**
 * Fills the queue through the API with no worker running, then starts one worker with default
 * settings and waits until the target has every call and the table nothing left. `prepare` runs
 * against the API first (queue settings).
 */
async function drain(build, count, { queue, prepare } = {}) {
  await build.db.query('TRUNCATE tasks, task_attempts');
  const api = await startApi(build);
  if (prepare) await prepare();
  await createTasks(build, count, queue ? { queue } : {});
  await stop(api);
  await resetTarget();
  await build.db.query('SELECT pg_stat_reset()');
  const worker = startService(build, build.env, WORKER_PORT, { API_ENABLED: 'false' });
  while ((await targetCount()) === 0) {
    if (worker.exitCode !== null) throw new Error(`worker exited:\n${worker.output()}`);
    await sleep(2);
  }
  const cpu = cpuMeter(worker.pid);
  await until(async () => Math.max(0, count - (await targetCount())), 'calls');
  const end = await until(async () => (await build.db.query(UNFINISHED_SQL)).rows[0].n, 'completions');
  const cpuPerTaskUs = cpu.perTaskUs(count);
  // The server's CPU counts every database on it (and goes wrong when one of its processes exits):
  // it says something only on a quiet machine.
  if (cpuPerTaskUs.postgres < 0) cpuPerTaskUs.postgres = null;
  const rss = peakRssMb(worker.pid);
  await stop(worker);
  const stats = await targetStats();
  const {
    rows: [check],
  } = await build.db.query(`SELECT count(*)::int AS completed FROM tasks WHERE status = 'completed'`);
  return {
    stats,
    seconds: (end - stats.firstAt) / 1000,
    tasksPerSecond: round(count / ((end - stats.firstAt) / 1000)),
    exactlyOnce: stats.distinct === count && stats.duplicates === 0 && stats.total === count,
    allCompleted: check.completed === count,
    cpuPerTaskUs,
    peakRssMb: rss,
  };
}

/** The most call arrivals in any window of `periodMs` (each window starting at an arrival). */
function worstWindow(arrivals, periodMs) {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let worst = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start += 1) {
    while (end < sorted.length && sorted[end] - sorted[start] < periodMs) end += 1;
    worst = Math.max(worst, end - start);
  }
  return worst;
}

async function governedPhase() {
  progress(`governed queue: ${GOVERNED_TASKS} tasks, rateLimit ${RATE_LIMIT.limit}/${RATE_LIMIT.period}s, concurrency ${CONCURRENCY}`);
  const build = await setUp(ROOT, 'aq_bench_queues');
  try {
    const result = await drain(build, GOVERNED_TASKS, {
      queue: 'governed',
      prepare: async () => {
        const { status } = await json(`http://127.0.0.1:${API_PORT}/v1/queues/governed`, {
          method: 'PUT',
          headers: build.auth,
          body: JSON.stringify({ rateLimit: RATE_LIMIT, concurrency: CONCURRENCY }),
        });
        if (status !== 200) throw new Error(`PUT /v1/queues/governed answered ${status}`);
      },
    });
    const arrivals = Object.values(result.stats.arrivals);
    const worst = worstWindow(arrivals, RATE_LIMIT.period * 1000);
    const span = (Math.max(...arrivals) - Math.min(...arrivals)) / 1000;
    // Stats of the worker's sessions are flushed when it exits (stopped above).
    await sleep(1000);
    const {
      rows: [claims],
    } = await build.db.query(
      `SELECT calls::int, total_time::float8 AS "totalMs" FROM pg_stat_user_functions WHERE funcname = 'aq_claim_gated'`,
    );
    return {
      tasks: GOVERNED_TASKS,
      rateLimit: RATE_LIMIT,
      concurrency: CONCURRENCY,
      // Starts can only happen `limit` per period: the ideal time is (tasks - limit) / limit periods.
      idealSeconds: round(((GOVERNED_TASKS - RATE_LIMIT.limit) / RATE_LIMIT.limit) * RATE_LIMIT.period, 2),
      firstToLastCallSeconds: round(span, 2),
      achievedCallsPerSecond: round((GOVERNED_TASKS - 1) / span),
      worstWindowCalls: worst,
      worstOvershoot: Math.max(0, worst - RATE_LIMIT.limit),
      exactlyOnce: result.exactlyOnce,
      allCompleted: result.allCompleted,
      gatedClaim: claims
        ? {
            calls: claims.calls,
            totalMs: round(claims.totalMs),
            msPerCall: round(claims.totalMs / Math.max(1, claims.calls), 3),
            usPerTask: round((claims.totalMs * 1000) / GOVERNED_TASKS),
          }
        : null,
      cpuPerTaskUs: result.cpuPerTaskUs,
      workerPeakRssMb: result.peakRssMb,
    };
  } finally {
    await build.db.end();
  }
}

/** Ungoverned drains, this build and the old one in turn (the order alternating by round). */
async function drainPhase() {
  const builds = [{ name: 'now', root: ROOT }];
  if (OLD_ROOT && existsSync(join(OLD_ROOT, 'dist', 'main.js'))) builds.push({ name: 'before', root: OLD_ROOT });
  else progress('no BENCH_OLD_ROOT build: draining this build only');
  const setups = {};
  for (const build of builds) setups[build.name] = await setUp(build.root, `aq_bench_queues_${build.name}`);
  const rounds = Object.fromEntries(builds.map((build) => [build.name, []]));
  try {
    for (let pass = 1; pass <= DRAIN_ROUNDS; pass += 1) {
      const order = pass % 2 === 1 ? builds : [...builds].reverse();
      for (const build of order) {
        progress(`drain round ${pass} of ${DRAIN_ROUNDS}: ${build.name} (${DRAIN_TASKS} tasks, load ${loadavg()[0].toFixed(2)})`);
        const { stats, ...one } = await drain(setups[build.name], DRAIN_TASKS);
        rounds[build.name].push({ ...one, seconds: round(one.seconds, 2), loadAverage: round(loadavg()[0], 2) });
      }
    }
  } finally {
    for (const setup of Object.values(setups)) await setup.db.end();
  }
  const summary = Object.fromEntries(
    Object.entries(rounds).map(([name, list]) => [
      name,
      {
        tasksPerSecondMedian: middleOf(list, (one) => -one.tasksPerSecond).tasksPerSecond,
        exactlyOnce: list.every((one) => one.exactlyOnce && one.allCompleted),
        perRound: list,
      },
    ]),
  );
  const ratio =
    summary.before && summary.now ? round(summary.now.tasksPerSecondMedian / summary.before.tasksPerSecondMedian, 3) : null;
  return { tasks: DRAIN_TASKS, rounds: DRAIN_ROUNDS, oldRoot: OLD_ROOT, ...summary, nowVsBefore: ratio };
}

function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30), node: process.version };
}

async function main() {
  const target = startNode(join(ROOT, 'bench', 'target.mjs'), [String(TARGET_PORT)]);
  await waitForMessage(target, 'ready');
  try {
    const report = { ranAt: new Date().toISOString(), machine: machine(), loadAverageAtStart: loadavg() };
    if (ONLY !== 'drain') report.governed = await governedPhase();
    if (ONLY !== 'governed') report.ungovernedDrain = await drainPhase();
    report.loadAverageAtEnd = loadavg();
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'queues.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, (key, value) => (key === 'perRound' ? value.map((one) => one.tasksPerSecond) : value), 2));
  } finally {
    await stop(target);
    await agent.close();
  }
}

await main();
