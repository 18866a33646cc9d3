// AsyncQueue benchmark: drain, create, latency, batches and scaling with worker processes against a
// local target, plus the same drain by bare calls (no queue: the machine's ceiling), graphile-worker
// (with its defaults and batched with local queues of 32 and 128) and pg-boss on the same machine
// and PostgreSQL server. Writes bench/results/latest.json and prints a table. Needs `npm run build`
// first (npm run bench does it).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { Agent, request } from 'undici';
import { cpuMeter, cpuMs, peakRssMb, postgresCpuMs, sleep, startNode, stop, waitForHealth, waitForMessage } from './lib/processes.mjs';
import { createTeamWithCli, freshDatabase, spawnAsyncQueue as spawnBuild, startAsyncQueue as startBuild, until as untilZero } from './lib/service.mjs';
import { measureBatches } from './lib/batch-phase.mjs';
import { middleOf, percentile, round } from './lib/stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DRAIN_TASKS = Number(process.env.BENCH_DRAIN_TASKS ?? 10_000);
// Each contender drains this many times, interleaved (ours, bare calls, graphile-worker, its two
// batched setups, pg-boss, ours, ...); the report gives each one's median round and every round. Five,
// because single rounds of one contender were seen 30 % apart within a run on a 2-vCPU VM whose
// neighbours steal time.
const DRAIN_ROUNDS = Number(process.env.BENCH_DRAIN_ROUNDS ?? 5);
// The create and latency phases run this many times in turn; each figure is the median round.
const MEASURE_ROUNDS = Number(process.env.BENCH_MEASURE_ROUNDS ?? 3);
const CREATE_SECONDS = Number(process.env.BENCH_CREATE_SECONDS ?? 15);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 15);
const LATENCY_RATE = 200;
// The latency worker is a fresh process: its first few hundred milliseconds run cold code and open
// its first connections. The same load runs this long before the measured window and is reported
// on its own (dueToCallP99IncludingWarmUpMs), so the headline p99 is the steady state.
const LATENCY_WARM_UP_SECONDS = Number(process.env.BENCH_LATENCY_WARM_UP_SECONDS ?? 2);
// How many jobs pg-boss fetches (and locks) at once; its drain rate follows it (see its script).
const PGBOSS_BATCH = Number(process.env.BENCH_PGBOSS_BATCH ?? 256);
// POST /v1/tasks/batch: batches of this many tasks, back to back from 1 connection (a batch's own
// latency) and from BATCH_CONNECTIONS (throughput), MEASURE_ROUNDS times each.
const BATCH_SIZE = Number(process.env.BENCH_BATCH_SIZE ?? 1000);
const BATCH_SECONDS = Number(process.env.BENCH_BATCH_SECONDS ?? 10);
const BATCH_CONNECTIONS = Number(process.env.BENCH_BATCH_CONNECTIONS ?? 4);
// The scaling phase drains this many tasks with each number of worker processes in turn.
const SCALING_TASKS = Number(process.env.BENCH_SCALING_TASKS ?? 20_000);
const SCALING_WORKERS = (process.env.BENCH_SCALING_WORKERS ?? '1,2,4').split(',').map(Number);
const SCALING_STARTS = (process.env.BENCH_SCALING_STARTS ?? 'cold,warm,hot').split(',');
// A hot start first has every worker process drain this many tasks (per process) before the measured
// drain, so their hot code is optimised and their connections are open: what is left is contention.
const SCALING_HOT_WARM_UP_TASKS = Number(process.env.BENCH_SCALING_HOT_WARM_UP_TASKS ?? 3_000);
const SCALING_FIRST_PORT = 4800;
// BENCH_ONLY=drain, batch or scaling runs that phase alone.
const ONLY = process.env.BENCH_ONLY;
const TARGET_PORT = 4790;
const API_PORT = 4791;
const WORKER_PORT = 4792;
const TARGET_URL = `http://127.0.0.1:${TARGET_PORT}/hook`;

const progress = (message) => process.stderr.write(`[bench] ${message}\n`);

// The load generator shares the machine's cores with what it measures. undici's request API costs
// about half the CPU per request of fetch() (which wraps every body in web streams), so it
// disturbs the measurement less.
const loadAgent = new Agent({ keepAliveTimeout: 30_000, connections: 64 });

async function postTask(headers, payload) {
  const response = await request(`http://127.0.0.1:${API_PORT}/v1/tasks`, { method: 'POST', headers, body: payload, dispatcher: loadAgent });
  const body = await response.body.json();
  return { status: response.statusCode, body };
}

async function targetStats() {
  return (await fetch(`http://127.0.0.1:${TARGET_PORT}/stats`)).json();
}

/**
 * The call rate over the second half of a drain's calls (from the target's first arrival of each
 * task): how fast a drainer goes once its process has warmed up. A fresh Node process runs its hot
 * code unoptimised at first, and over 10,000 tasks that start-up is a large share of the whole.
 */
function secondHalfRate(stats) {
  const arrivals = Object.values(stats.arrivals).sort((a, b) => a - b);
  const middle = arrivals[Math.floor(arrivals.length / 2)];
  const last = arrivals[arrivals.length - 1];
  return last > middle ? round((arrivals.length - Math.floor(arrivals.length / 2) - 1) / ((last - middle) / 1000)) : null;
}

/** Polled every 10 ms while a contender drains, so it goes through the lighter client too. */
async function targetCalls() {
  const response = await request(`http://127.0.0.1:${TARGET_PORT}/count`, { dispatcher: loadAgent });
  return (await response.body.json()).total;
}

/**
 * Warms the target up (its JIT, its sockets) before the first contender, so whoever drains first
 * does not pay for a cold target.
 */
async function warmTarget(calls = 20_000) {
  let next = 0;
  const lane = async () => {
    while (next < calls) {
      next += 1;
      const response = await fetch(TARGET_URL, { method: 'POST', body: '{"warm":true}', headers: { 'Content-Type': 'application/json' } });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
  await resetTarget();
}

/**
 * Waits for a drain to end: first for the target to have seen every call (a cheap HTTP request),
 * then for the contender's table to show nothing left. Counting the table every few milliseconds
 * all through the drain would load the database the contenders share and measure the probe.
 */
async function untilDrained(calls, remainingInDatabase, what) {
  await until(async () => Math.max(0, calls - (await targetCalls())), `${what} (calls)`);
  return until(remainingInDatabase, `${what} (completions)`);
}

const spawnAsyncQueue = (env, port, role) => spawnBuild(ROOT, env, port, role);
const startAsyncQueue = (env, port, role) => startBuild(ROOT, env, port, role);
const until = (remaining, what) => untilZero(remaining, what, { progress });

async function resetTarget() {
  await fetch(`http://127.0.0.1:${TARGET_PORT}/reset`, { method: 'POST' });
}

/**
 * Counts a drainer's CPU (and the database server's) from its first call, so the window is the
 * one its rate is measured over: our worker starts claiming while it boots, before it reports
 * healthy, and graphile-worker's boot is over before it is told to start.
 */
async function cpuFromFirstCall(pid) {
  await untilFirstCall();
  return cpuMeter(pid);
}

async function untilFirstCall(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await targetCalls()) === 0) {
    if (Date.now() > deadline) throw new Error('no call reached the target');
    await sleep(2);
  }
}

const UNFINISHED_TASKS_SQL = `SELECT ((SELECT count(*) FROM tasks WHERE status IN ('pending', 'delayed', 'polling'))
  + (SELECT count(*) FROM tasks WHERE status = 'processing'))::int AS n`;

/** The bench database, its team, vault token and API key; every AsyncQueue phase runs on it. */
async function setUpAsyncQueue() {
  const url = await freshDatabase('aq_bench');
  const env = {
    DATABASE_URL: url,
    VAULT_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
    RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: 'warn',
  };
  const api = await startAsyncQueue(env, API_PORT, { WORKER_ENABLED: 'false' });
  const team = createTeamWithCli(ROOT, env, 'bench');
  const auth = { Authorization: `Bearer ${team.apiKey}`, 'Content-Type': 'application/json' };
  const token = await (await fetch(`http://127.0.0.1:${API_PORT}/v1/tokens`, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'bench', value: 'sk-bench-secret' }) })).json();
  await stop(api);
  const taskBody = { targetUrl: TARGET_URL, headers: { Authorization: token.token.id, 'Content-Type': 'application/json' }, body: '{"hello":"world"}' };
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  return { env, auth, taskBody, db };
}

/**
 * One drain: the queue is filled through the API (so every row is exactly what the API writes),
 * then one worker with default settings starts. Progress is read from the partial indexes of
 * unfinished tasks, which shrink as the drain goes on (as graphile-worker's jobs table does); a
 * count over the whole table every 10 ms would cost the database more than the drain itself.
 */
async function drainAsyncQueue({ env, auth, taskBody, db }) {
  await db.query('TRUNCATE tasks, task_attempts');
  const api = await startAsyncQueue(env, API_PORT, { WORKER_ENABLED: 'false' });
  progress(`AsyncQueue drain: creating ${DRAIN_TASKS} tasks through the API`);
  await createThroughApi(auth, taskBody, DRAIN_TASKS);
  await resetTarget();
  progress('AsyncQueue drain: starting one worker (default settings)');
  const worker = spawnAsyncQueue(env, WORKER_PORT, { API_ENABLED: 'false' });
  const cpu = cpuFromFirstCall(worker.pid);
  await waitForHealth(`http://127.0.0.1:${WORKER_PORT}`, worker);
  const end = await untilDrained(DRAIN_TASKS, async () => (await db.query(UNFINISHED_TASKS_SQL)).rows[0].n, 'AsyncQueue drain');
  const cpuPerTaskUs = (await cpu).perTaskUs(DRAIN_TASKS);
  const stats = await targetStats();
  const { rows: [check] } = await db.query(`SELECT count(*)::int AS completed FROM tasks WHERE status = 'completed'`);
  const rss = peakRssMb(worker.pid);
  await stop(worker);
  await stop(api);
  return {
    tasks: DRAIN_TASKS,
    seconds: round((end - stats.firstAt) / 1000, 2),
    tasksPerSecond: round(DRAIN_TASKS / ((end - stats.firstAt) / 1000)),
    secondHalfTasksPerSecond: secondHalfRate(stats),
    exactlyOnce: stats.distinct === DRAIN_TASKS && stats.duplicates === 0 && stats.total === DRAIN_TASKS,
    allCompleted: check.completed === DRAIN_TASKS,
    peakRssMb: rss,
    cpuPerTaskUs,
  };
}

/**
 * Create throughput, then due-to-call latency with a fresh worker, MEASURE_ROUNDS times in turn
 * on one warm API process. Each figure is the median of its rounds; every round is reported too,
 * and the latency p99 over all rounds' tasks together.
 */
async function createAndLatencyOfAsyncQueue(setup) {
  const api = await startAsyncQueue(setup.env, API_PORT, { WORKER_ENABLED: 'false' });
  // A running service is warm: the API serves as many creations as a drain's before it is measured.
  progress(`AsyncQueue create: warming the API up with ${DRAIN_TASKS} creations`);
  await createThroughApi(setup.auth, setup.taskBody, DRAIN_TASKS);
  await setup.db.query('TRUNCATE tasks, task_attempts');
  const creates = [];
  const latencies = [];
  for (let pass = 1; pass <= MEASURE_ROUNDS; pass += 1) {
    progress(`create and latency round ${pass} of ${MEASURE_ROUNDS}`);
    creates.push(await measureCreate(setup));
    latencies.push(await measureLatency(setup));
  }
  const apiRss = peakRssMb(api.pid);
  await stop(api);
  const all = (key) => latencies.flatMap((one) => one[key]);
  return {
    create: {
      connections: 32,
      seconds: CREATE_SECONDS,
      rounds: creates.length,
      requestsPerSecond: middleOf(creates.map((one) => one.requestsPerSecond), (rate) => -rate),
      p50Ms: middleOf(creates.map((one) => one.p50Ms), (ms) => ms),
      p99Ms: middleOf(creates.map((one) => one.p99Ms), (ms) => ms),
      non2xx: creates.reduce((sum, one) => sum + one.non2xx, 0),
      errors: creates.reduce((sum, one) => sum + one.errors, 0),
      perRound: creates,
    },
    latency: {
      ratePerSecond: LATENCY_RATE,
      warmUpSeconds: LATENCY_WARM_UP_SECONDS,
      seconds: LATENCY_SECONDS,
      rounds: latencies.length,
      tasks: all('dueToCall').length,
      dueToCallP50Ms: middleOf(latencies.map((one) => percentile(one.dueToCall, 50)), (ms) => ms),
      dueToCallP99Ms: middleOf(latencies.map((one) => percentile(one.dueToCall, 99)), (ms) => ms),
      dueToCallP99AllRoundsMs: percentile(all('dueToCall'), 99),
      dueToCallP99IncludingWarmUpMs: percentile(all('dueToCallIncludingWarmUp'), 99),
      exactlyOnce: latencies.every((one) => one.exactlyOnce),
      perRound: latencies.map((one) => ({
        dueToCallP50Ms: percentile(one.dueToCall, 50),
        dueToCallP99Ms: percentile(one.dueToCall, 99),
      })),
    },
    peakRssMb: { api: apiRss, worker: Math.max(...latencies.map((one) => one.workerRss)) },
  };
}

/** autocannon against POST /v1/tasks while no worker runs. */
async function measureCreate({ auth, taskBody, db }) {
  progress(`AsyncQueue create: autocannon, 32 connections, ${CREATE_SECONDS} s`);
  const create = await autocannon({
    url: `http://127.0.0.1:${API_PORT}/v1/tasks`,
    method: 'POST',
    headers: auth,
    body: JSON.stringify(taskBody),
    connections: 32,
    duration: CREATE_SECONDS,
  });
  // Requests autocannon still had in flight when it stopped may land a moment later. The created
  // tasks are then truncated rather than deleted, so no vacuum of them runs during the next phase.
  await sleep(1000);
  await db.query('TRUNCATE tasks, task_attempts');
  return {
    requestsPerSecond: round(create.requests.average),
    p50Ms: create.latency.p50,
    p99Ms: create.latency.p99,
    non2xx: create.non2xx,
    errors: create.errors,
  };
}

/** A steady 200 tasks/s through the API with one fresh worker running. */
async function measureLatency({ env, auth, taskBody, db }) {
  progress(`AsyncQueue latency: ${LATENCY_RATE} tasks/s, ${LATENCY_WARM_UP_SECONDS} s warm-up then ${LATENCY_SECONDS} s measured`);
  const worker = await startAsyncQueue(env, WORKER_PORT, { API_ENABLED: 'false' });
  await resetTarget();
  const sent = await steadyLoad(auth, taskBody, LATENCY_RATE, LATENCY_WARM_UP_SECONDS + LATENCY_SECONDS);
  const ids = sent.map((entry) => entry.id);
  const measuredIds = new Set(sent.filter((entry) => entry.sentAt >= LATENCY_WARM_UP_SECONDS * 1000).map((entry) => entry.id));
  await until(async () => (await db.query(UNFINISHED_TASKS_SQL)).rows[0].n, 'latency tasks');
  const stats = await targetStats();
  const { rows: created } = await db.query(`SELECT id, created_at FROM tasks WHERE id = ANY($1::uuid[])`, [ids]);
  const dueToCallOf = (rows) => rows.map((row) => stats.arrivals[row.id] - row.created_at.getTime());
  const workerRss = peakRssMb(worker.pid);
  await stop(worker);
  await db.query('TRUNCATE tasks, task_attempts');
  return {
    dueToCall: dueToCallOf(created.filter((row) => measuredIds.has(row.id))),
    dueToCallIncludingWarmUp: dueToCallOf(created),
    exactlyOnce: ids.every((id) => stats.arrivals[id] !== undefined) && stats.duplicates === 0,
    workerRss,
  };
}

/**
 * POST /v1/tasks/batch on a warm API process with no worker: MEASURE_ROUNDS rounds, each one
 * connection (the latency of a batch on its own) and then BATCH_CONNECTIONS (throughput, and the
 * latency under it). Each figure is the median round; created tasks are truncated between runs.
 */
/**
 * The same queue drained by 1, 2 and 4 worker processes (default settings each), one after the
 * other on a fresh set of tasks, in two ways:
 * - cold: the workers start with the tasks already due, so their boot (module loading, first
 *   connections, cold code) runs on the same two cores as the drain, as when workers are added
 *   to a backlog;
 * - warm: the tasks are created for a far due time, the workers start and report healthy, then
 *   every task falls due at once (one UPDATE of run_at), so only the drain itself is measured;
 * - hot: as warm, but the workers first drain SCALING_HOT_WARM_UP_TASKS each (not measured), so
 *   each process's JIT warm-up is behind it: the loss that remains with more workers is contention
 *   (and the cost of more processes sharing two cores), not warm-up paid once per process.
 * Each run reports the total rate, whether every task was called exactly once, and where the CPU
 * went (all workers together, PostgreSQL, and how busy the cores were: a rate that falls while the
 * cores idle points at contention between claims, not at CPU).
 */
async function scalingOfAsyncQueue(setup) {
  const scaling = {};
  for (const start of SCALING_STARTS) {
    const runs = [];
    for (const workers of SCALING_WORKERS) runs.push(await scalingRun(setup, workers, start));
    scaling[start] = runs.map((run) => ({ ...run, vsOneWorker: round(run.tasksPerSecond / runs[0].tasksPerSecond, 2) }));
  }
  return scaling;
}

const MEASURED_DUE = '2099-01-01T00:00:00.000Z';
const WARM_UP_DUE = '2098-01-01T00:00:00.000Z';

async function scalingRun({ env, auth, taskBody, db }, workers, start) {
  await db.query('TRUNCATE tasks, task_attempts');
  const api = await startAsyncQueue(env, API_PORT, { WORKER_ENABLED: 'false' });
  progress(`scaling (${start}): creating ${SCALING_TASKS} tasks for ${workers} worker process(es)`);
  await createThroughApi(auth, start === 'cold' ? taskBody : { ...taskBody, delayUntil: MEASURED_DUE }, SCALING_TASKS);
  const warmUpTasks = start === 'hot' ? SCALING_HOT_WARM_UP_TASKS * workers : 0;
  if (warmUpTasks > 0) await createThroughApi(auth, { ...taskBody, delayUntil: WARM_UP_DUE }, warmUpTasks);
  await stop(api);
  await resetTarget();
  const children = Array.from({ length: workers }, (_, i) => spawnAsyncQueue(env, SCALING_FIRST_PORT + i, { API_ENABLED: 'false' }));
  if (start !== 'cold') {
    await Promise.all(children.map((child, i) => waitForHealth(`http://127.0.0.1:${SCALING_FIRST_PORT + i}`, child)));
    if (warmUpTasks > 0) {
      await db.query(`UPDATE tasks SET run_at = now() WHERE run_at = $1`, [WARM_UP_DUE]);
      await untilDrained(warmUpTasks, async () => (await db.query(UNFINISHED_TASKS_SQL)).rows[0].n - SCALING_TASKS, `scaling (hot) warm-up of ${workers}`);
      await resetTarget();
    }
    await sleep(1000);
    await db.query(`UPDATE tasks SET run_at = now() WHERE run_at = $1`, [MEASURED_DUE]);
  }
  await untilFirstCall();
  const workersCpu = () => children.reduce((sum, child) => sum + cpuMs(child.pid), 0);
  const before = { workers: workersCpu(), postgres: postgresCpuMs(), at: Date.now() };
  const end = await untilDrained(SCALING_TASKS, async () => (await db.query(UNFINISHED_TASKS_SQL)).rows[0].n, `scaling (${start}) with ${workers}`);
  const used = { workers: workersCpu() - before.workers, postgres: postgresCpuMs() - before.postgres, wallMs: Date.now() - before.at };
  const stats = await targetStats();
  const seconds = (end - stats.firstAt) / 1000;
  await Promise.all(children.map((child) => stop(child)));
  return {
    workers,
    tasks: SCALING_TASKS,
    seconds: round(seconds, 2),
    tasksPerSecond: round(SCALING_TASKS / seconds),
    exactlyOnce: stats.distinct === SCALING_TASKS && stats.duplicates === 0 && stats.total === SCALING_TASKS,
    cpuPerTaskUs: { workers: Math.round((used.workers * 1000) / SCALING_TASKS), postgres: Math.round((used.postgres * 1000) / SCALING_TASKS) },
    coresBusy: round((used.workers + used.postgres) / used.wallMs, 2),
  };
}

function printScaling(scaling) {
  for (const [start, runs] of Object.entries(scaling)) {
    for (const run of runs) {
      console.log(
        `${start}, ${run.workers} worker(s): ${run.tasksPerSecond} tasks/s (${run.vsOneWorker}x of one), exactly once ${run.exactlyOnce}, CPU µs/task workers ${run.cpuPerTaskUs.workers} + PostgreSQL ${run.cpuPerTaskUs.postgres}, cores busy ${run.coresBusy}`,
      );
    }
  }
}

async function batchOfAsyncQueue({ env, auth, taskBody, db }) {
  const api = await startAsyncQueue(env, API_PORT, { WORKER_ENABLED: 'false' });
  const apiUrl = `http://127.0.0.1:${API_PORT}`;
  const run = async (connections, seconds, warmUpSeconds) => {
    const result = await measureBatches({ apiUrl, apiPid: api.pid, headers: auth, taskBody, batchSize: BATCH_SIZE, connections, seconds, warmUpSeconds });
    await db.query('TRUNCATE tasks, task_attempts');
    return result;
  };
  progress(`AsyncQueue batch: warming the API up with batches of ${BATCH_SIZE}`);
  await run(BATCH_CONNECTIONS, 5, 0);
  const single = [];
  const loaded = [];
  for (let pass = 1; pass <= MEASURE_ROUNDS; pass += 1) {
    progress(`batch round ${pass} of ${MEASURE_ROUNDS}: 1 connection, then ${BATCH_CONNECTIONS}, ${BATCH_SECONDS} s each`);
    single.push(await run(1, BATCH_SECONDS, 1));
    loaded.push(await run(BATCH_CONNECTIONS, BATCH_SECONDS, 1));
  }
  const apiRss = peakRssMb(api.pid);
  await stop(api);
  const summary = (rounds) => ({
    connections: rounds[0].connections,
    tasksPerSecond: middleOf(rounds.map((one) => one.tasksPerSecond), (rate) => -rate),
    p50Ms: middleOf(rounds.map((one) => one.p50Ms), (ms) => ms),
    p99Ms: middleOf(rounds.map((one) => one.p99Ms), (ms) => ms),
    apiCpuPerTaskUs: middleOf(rounds.map((one) => one.cpuPerTaskUs?.api ?? 0), (us) => us),
    failures: rounds.reduce((sum, one) => sum + one.failures, 0),
    perRound: rounds.map(({ tasksPerSecond, p50Ms, p99Ms, batches, cpuPerTaskUs }) => ({ tasksPerSecond, p50Ms, p99Ms, batches, cpuPerTaskUs })),
  });
  return { batchSize: BATCH_SIZE, seconds: BATCH_SECONDS, rounds: MEASURE_ROUNDS, oneConnection: summary(single), loaded: summary(loaded), apiPeakRssMb: apiRss };
}

function printBatch(batch) {
  const line = (one) =>
    `${one.tasksPerSecond} tasks/s, batch p50 ${one.p50Ms} ms, p99 ${one.p99Ms} ms, API CPU ${one.apiCpuPerTaskUs} µs/task (rounds ${one.perRound.map((r) => `${Math.round(r.tasksPerSecond)}/s p99 ${r.p99Ms} ms`).join(', ')})`;
  console.log(`batch of ${batch.batchSize} (median of ${batch.rounds}), 1 connection: ${line(batch.oneConnection)}`);
  console.log(`  ${batch.loaded.connections} connections: ${line(batch.loaded)}`);
}

async function createThroughApi(headers, body, count) {
  const payload = JSON.stringify(body);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      const response = await postTask(headers, payload);
      if (response.status !== 201) throw new Error(`create failed: ${response.status} ${JSON.stringify(response.body)}`);
      if (next % 2000 === 0) progress(`  created ${next}/${count}`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, lane));
}

/** Creates `rate` tasks a second, evenly spaced; returns each task's id and when it was sent (ms from start). */
async function steadyLoad(headers, body, rate, seconds) {
  const payload = JSON.stringify(body);
  const sent = [];
  const pending = [];
  const started = Date.now();
  for (let i = 0; i < rate * seconds; i += 1) {
    const offset = (i * 1000) / rate;
    const wait = started + offset - Date.now();
    if (wait > 0) await sleep(wait);
    pending.push(postTask(headers, payload).then((response) => sent.push({ id: response.body.task.id, sentAt: offset })));
  }
  await Promise.all(pending);
  return sent;
}

/** How each contender's own tables say how much is left; the bare calls have none. */
const REMAINING_SQL = {
  'graphile-worker': `SELECT count(*)::int AS n FROM graphile_worker.jobs`,
  'pg-boss': `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'post' AND state <> 'completed'`,
};

async function benchCompetitor(name, script, { database, kind, options = [] }) {
  const url = database ? await freshDatabase(database) : '-';
  progress(`${name}: enqueueing ${DRAIN_TASKS} jobs`);
  const child = startNode(join(ROOT, 'bench', 'competitors', script), [url, TARGET_URL, String(DRAIN_TASKS), ...options]);
  await waitForMessage(child, 'enqueued', 120_000);
  await resetTarget();
  const db = database ? new pg.Client({ connectionString: url }) : null;
  await db?.connect();
  progress(`${name}: draining`);
  const cpu = cpuFromFirstCall(child.pid);
  child.send('start');
  const remaining = db ? async () => (await db.query(REMAINING_SQL[kind])).rows[0].n : async () => 0;
  const end = await untilDrained(DRAIN_TASKS, remaining, `${name} drain`);
  const cpuPerTaskUs = (await cpu).perTaskUs(DRAIN_TASKS);
  const stats = await targetStats();
  const rss = peakRssMb(child.pid);
  await db?.end();
  await stop(child);
  return {
    tasks: DRAIN_TASKS,
    seconds: round((end - stats.firstAt) / 1000, 2),
    tasksPerSecond: round(DRAIN_TASKS / ((end - stats.firstAt) / 1000)),
    secondHalfTasksPerSecond: secondHalfRate(stats),
    exactlyOnce: stats.distinct === DRAIN_TASKS && stats.duplicates === 0,
    peakRssMb: rss,
    cpuPerTaskUs,
  };
}

/** The contenders other than ours, drained in this order in every round. */
const COMPETITORS = [
  { key: 'bareCalls', name: 'bare calls', script: 'bare-calls.mjs' },
  { key: 'graphileWorker', name: 'graphile-worker', script: 'graphile-worker.mjs', database: 'aq_bench_graphile', kind: 'graphile-worker' },
  {
    key: 'graphileWorkerBatched32',
    name: 'graphile-worker batched (local queue 32)',
    script: 'graphile-worker.mjs',
    database: 'aq_bench_graphile',
    kind: 'graphile-worker',
    options: ['batched', '32'],
  },
  {
    key: 'graphileWorkerBatched128',
    name: 'graphile-worker batched (local queue 128)',
    script: 'graphile-worker.mjs',
    database: 'aq_bench_graphile',
    kind: 'graphile-worker',
    options: ['batched', '128'],
  },
  { key: 'pgBoss', name: 'pg-boss', script: 'pg-boss.mjs', database: 'aq_bench_pgboss', kind: 'pg-boss', options: [String(PGBOSS_BATCH)] },
];

/**
 * The drains of several rounds as one result: the median round's rate and time (the machine's
 * speed drifts between minutes, and interleaved rounds spread that drift over every contender),
 * the median CPU per task of the drainer and of the database, correctness only if every round was
 * correct, the largest peak RSS.
 */
function summarizeDrains(rounds) {
  const middle = middleOf(rounds, (drain) => -drain.tasksPerSecond);
  return {
    tasks: DRAIN_TASKS,
    rounds: rounds.length,
    seconds: middle.seconds,
    tasksPerSecond: middle.tasksPerSecond,
    secondHalfTasksPerSecond: middleOf(rounds.map((one) => one.secondHalfTasksPerSecond), (rate) => -rate),
    exactlyOnce: rounds.every((one) => one.exactlyOnce),
    ...(rounds.every((one) => 'allCompleted' in one) ? { allCompleted: rounds.every((one) => one.allCompleted) } : {}),
    peakRssMb: Math.max(...rounds.map((one) => one.peakRssMb)),
    cpuPerTaskUs: {
      worker: middleOf(rounds.map((one) => one.cpuPerTaskUs.worker), (us) => us),
      postgres: middleOf(rounds.map((one) => one.cpuPerTaskUs.postgres), (us) => us),
    },
    perRound: rounds.map((one) => ({
      seconds: one.seconds,
      tasksPerSecond: one.tasksPerSecond,
      secondHalfTasksPerSecond: one.secondHalfTasksPerSecond,
      cpuPerTaskUs: one.cpuPerTaskUs,
    })),
  };
}

function printDrains({ drain, asyncqueue, contenders, ratios }) {
  const ours = drain ?? asyncqueue.drain;
  const columns = [['AsyncQueue', ours], ...COMPETITORS.map(({ key, name }) => [name.replace('graphile-worker', 'gw'), contenders[key]])];
  const drains = columns.map(([, one]) => one);
  const rows = [
    [`drain (tasks/s, median)`, ...drains.map((c) => c.tasksPerSecond)],
    ['drain rounds (tasks/s)', ...drains.map((c) => c.perRound.map((r) => Math.round(r.tasksPerSecond)).join(' '))],
    ['second half of the calls (tasks/s, median)', ...drains.map((c) => c.secondHalfTasksPerSecond)],
    ['second half, rounds', ...drains.map((c) => c.perRound.map((r) => Math.round(r.secondHalfTasksPerSecond)).join(' '))],
    ['of the bare-call ceiling', ...drains.map((c) => c.fractionOfBareCalls)],
    ['drain exactly once', ...drains.map((c) => c.exactlyOnce)],
    ['drainer peak RSS (MB)', ...drains.map((c) => c.peakRssMb)],
    ['drainer CPU (µs/task)', ...drains.map((c) => c.cpuPerTaskUs.worker)],
    ['PostgreSQL CPU (µs/task)', ...drains.map((c) => c.cpuPerTaskUs.postgres)],
  ];
  const line = (cells) => cells.map((cell, i) => `${String(cell).padEnd(i === 0 ? 25 : 24)} `).join('');
  console.log(line(['', ...columns.map(([name]) => name)]));
  for (const row of rows) console.log(line(row));
  console.log('');
  const perRound = (key) => ratios.perRound.map((r) => `${r[key]}x`).join(' ');
  console.log(
    `drain ratio vs the better graphile-worker batched (${ratios.bestBatchedGraphileWorker}): ${ratios.drainVsBestBatchedGraphileWorker}x (rounds ${perRound('bestBatchedGraphileWorker')})`,
  );
  console.log(`  second half of the calls vs the same: ${ratios.secondHalfVsBestBatchedGraphileWorker}x`);
  console.log(`  vs graphile-worker defaults: ${ratios.drainVsGraphileWorker}x (rounds ${perRound('graphileWorker')})`);
  console.log(`  vs pg-boss: ${ratios.drainVsPgBoss}x (rounds ${perRound('pgBoss')})`);
}

function printTable(report) {
  const { asyncqueue: aq } = report;
  printDrains(report);
  const rounds = (list, format) => list.map(format).join(', ');
  console.log(`create (median of ${aq.create.rounds}): ${aq.create.requestsPerSecond} req/s, p50 ${aq.create.p50Ms} ms, p99 ${aq.create.p99Ms} ms (non-2xx ${aq.create.non2xx})`);
  console.log(`  rounds: ${rounds(aq.create.perRound, (r) => `${r.requestsPerSecond} req/s p99 ${r.p99Ms} ms`)}`);
  console.log(
    `due-to-call at ${aq.latency.ratePerSecond}/s (median of ${aq.latency.rounds}): p50 ${aq.latency.dueToCallP50Ms} ms, p99 ${aq.latency.dueToCallP99Ms} ms (p99 of all rounds' tasks ${aq.latency.dueToCallP99AllRoundsMs} ms, ${aq.latency.dueToCallP99IncludingWarmUpMs} ms counting the ${aq.latency.warmUpSeconds} s warm-ups)`,
  );
  console.log(`  rounds: ${rounds(aq.latency.perRound, (r) => `p50 ${r.dueToCallP50Ms} ms p99 ${r.dueToCallP99Ms} ms`)}`);
  printBatch(aq.batch);
  printScaling(aq.scaling);
  console.log(`API peak RSS: ${aq.peakRssMb.api} MB`);
}

function writeReport(name, report) {
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', name), `${JSON.stringify({ ranAt: new Date().toISOString(), ...report }, null, 2)}\n`);
}

async function drainRounds(setup) {
  const drains = { asyncqueue: [], ...Object.fromEntries(COMPETITORS.map(({ key }) => [key, []])) };
  for (let pass = 1; pass <= DRAIN_ROUNDS; pass += 1) {
    progress(`drain round ${pass} of ${DRAIN_ROUNDS}`);
    drains.asyncqueue.push(await drainAsyncQueue(setup));
    for (const { key, name, script, ...how } of COMPETITORS) drains[key].push(await benchCompetitor(name, script, how));
  }
  return drains;
}

/**
 * Every contender's median round, as a rate and as a fraction of the bare-call ceiling, and our
 * ratios to each. The reference is graphile-worker batched at its best: whichever local queue size
 * drained faster in this run.
 */
function drainReport(drains) {
  const ceiling = summarizeDrains(drains.bareCalls).tasksPerSecond;
  const summarize = (rounds) => {
    const summary = summarizeDrains(rounds);
    return { ...summary, fractionOfBareCalls: round(summary.tasksPerSecond / ceiling, 2) };
  };
  const drain = summarize(drains.asyncqueue);
  const contenders = Object.fromEntries(COMPETITORS.map(({ key }) => [key, summarize(drains[key])]));
  contenders.pgBoss.batchSize = PGBOSS_BATCH;
  const bestKey =
    contenders.graphileWorkerBatched128.tasksPerSecond > contenders.graphileWorkerBatched32.tasksPerSecond ? 'graphileWorkerBatched128' : 'graphileWorkerBatched32';
  const ratio = (ours, theirs) => round(ours.tasksPerSecond / theirs.tasksPerSecond, 2);
  const ratios = {
    bestBatchedGraphileWorker: bestKey,
    drainVsBestBatchedGraphileWorker: ratio(drain, contenders[bestKey]),
    // Not the target's measure (that is the whole drain): how the two compare once both are warm.
    secondHalfVsBestBatchedGraphileWorker: round(drain.secondHalfTasksPerSecond / contenders[bestKey].secondHalfTasksPerSecond, 2),
    drainVsGraphileWorker: ratio(drain, contenders.graphileWorker),
    drainVsPgBoss: ratio(drain, contenders.pgBoss),
    perRound: drains.asyncqueue.map((ours, i) => ({
      bestBatchedGraphileWorker: ratio(ours, drains[bestKey][i]),
      graphileWorkerBatched32: ratio(ours, drains.graphileWorkerBatched32[i]),
      graphileWorkerBatched128: ratio(ours, drains.graphileWorkerBatched128[i]),
      graphileWorker: ratio(ours, drains.graphileWorker[i]),
      pgBoss: ratio(ours, drains.pgBoss[i]),
      bareCalls: ratio(ours, drains.bareCalls[i]),
    })),
  };
  return { drain, contenders, ratios };
}

function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: round(totalmem() / 2 ** 30), node: process.version, loadAverage: loadavg() };
}

async function main() {
  const target = startNode(join(ROOT, 'bench', 'target.mjs'), [String(TARGET_PORT)]);
  await waitForMessage(target, 'ready');
  try {
    progress('warming the target up');
    await warmTarget();
    const setup = await setUpAsyncQueue();
    if (ONLY === 'batch' || ONLY === 'scaling') {
      const result = ONLY === 'batch' ? await batchOfAsyncQueue(setup) : await scalingOfAsyncQueue(setup);
      await setup.db.end();
      writeReport(`${ONLY}.json`, { [ONLY]: result });
      (ONLY === 'batch' ? printBatch : printScaling)(result);
      return;
    }
    const drains = await drainRounds(setup);
    if (ONLY === 'drain') {
      await setup.db.end();
      const report = { machine: machine(), ...drainReport(drains) };
      writeReport('drain.json', report);
      printDrains(report);
      return;
    }
    const { create, latency, peakRssMb } = await createAndLatencyOfAsyncQueue(setup);
    const batch = await batchOfAsyncQueue(setup);
    const scaling = await scalingOfAsyncQueue(setup);
    await setup.db.end();
    const { drain, contenders, ratios } = drainReport(drains);
    const asyncqueue = { drain, create, latency, batch, scaling, peakRssMb: { api: peakRssMb.api, worker: Math.max(drain.peakRssMb, peakRssMb.worker) } };
    const report = { machine: machine(), asyncqueue, contenders, ratios };
    writeReport('latest.json', report);
    printTable(report);
    const correct =
      asyncqueue.drain.exactlyOnce &&
      asyncqueue.drain.allCompleted &&
      asyncqueue.latency.exactlyOnce &&
      Object.values(scaling).every((runs) => runs.every((run) => run.exactlyOnce)) &&
      batch.loaded.failures + batch.oneConnection.failures === 0;
    if (!correct) {
      console.error('Correctness check failed: a task was lost or delivered twice');
      process.exitCode = 1;
    }
  } finally {
    await loadAgent.close();
    await stop(target);
  }
}

await main();
