// Scheduled-backlog benchmark: what tasks due later cost the work that is due now. Two databases,
// one empty and one holding BENCH_SCHEDULED_ROWS (default 300,000) tasks delayed by an hour to three
// days (one in five at priority 8, the rest at the default 5), loaded by SQL. On each, one worker
// process (API off) is measured:
// - idle: its CPU and the database server's over BENCH_SCHEDULED_IDLE_SECONDS with nothing due;
// - drain: BENCH_SCHEDULED_DRAIN_TASKS tasks due now at priority 5 (below the scheduled priority-8
//   ones), inserted by SQL while it runs: the rate from the first call to the last completion, CPU
//   per task from the first call, and whether each was called exactly once.
// Writes bench/results/scheduled.json. Needs `npm run build` (npm run bench:scheduled does it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { cpuMs, postgresCpuMs, sleep, startNode, stop, waitForMessage } from './lib/processes.mjs';
import { createTeamWithCli, dropDatabase, freshDatabase, startAsyncQueue as startBuild, until } from './lib/service.mjs';
import { round } from './lib/stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = Number(process.env.BENCH_SCHEDULED_ROWS ?? 300_000);
const IDLE_SECONDS = Number(process.env.BENCH_SCHEDULED_IDLE_SECONDS ?? 20);
const DRAIN_TASKS = Number(process.env.BENCH_SCHEDULED_DRAIN_TASKS ?? 10_000);
const TARGET_PORT = 4796;
const API_PORT = 4797;
const WORKER_PORT = 4798;
const TARGET_URL = `http://127.0.0.1:${TARGET_PORT}/hook`;

const progress = (message) => process.stderr.write(`[scheduled] ${message}\n`);
const target = (path, method = 'GET') => fetch(`http://127.0.0.1:${TARGET_PORT}${path}`, { method });

/** `count` tasks of `teamId` as the API stores them, in `status` at `priority`, due as `runAt` says (SQL of g). */
function insertTasks(db, teamId, { count, status, priority, runAt }) {
  return db.query(
    `INSERT INTO tasks (id, team_id, status, target_url, method, headers, body, timeout_seconds, max_wait_seconds,
       max_retries, retry_backoff, priority, created_at, run_at)
     SELECT gen_random_uuid(), $1, $2, $3, 'POST', '{"Content-Type":"application/json"}', '{"hello":"world"}', 30, 30, 3,
       'exponential', ${priority}, now(), ${runAt}
     FROM generate_series(1, $4::int) g`,
    [teamId, status, TARGET_URL, count],
  );
}

async function loadSchedule(db, teamId, rows) {
  const chunk = 100_000;
  for (let done = 0; done < rows; done += chunk) {
    const count = Math.min(chunk, rows - done);
    await insertTasks(db, teamId, {
      count,
      status: 'delayed',
      priority: 'CASE WHEN g % 5 = 0 THEN 8 ELSE 5 END',
      runAt: `now() + interval '1 hour' + random() * interval '3 days'`,
    });
    progress(`  loaded ${done + count}/${rows} scheduled tasks`);
  }
  await db.query('VACUUM ANALYZE tasks');
}

/** CPU of the worker and of PostgreSQL over IDLE_SECONDS with nothing due, in ms per second. */
async function measureIdle(worker) {
  const before = { worker: cpuMs(worker.pid), postgres: postgresCpuMs() };
  await sleep(IDLE_SECONDS * 1000);
  const perSecond = (now, then) => round((now - then) / IDLE_SECONDS, 1);
  return {
    seconds: IDLE_SECONDS,
    workerCpuMsPerSecond: perSecond(cpuMs(worker.pid), before.worker),
    postgresCpuMsPerSecond: perSecond(postgresCpuMs(), before.postgres),
  };
}

async function measureDrain(db, teamId, worker) {
  await target('/reset', 'POST');
  await insertTasks(db, teamId, {
    count: DRAIN_TASKS,
    status: 'pending',
    priority: 5,
    runAt: `now() - g * interval '1 millisecond'`,
  });
  // CPU from the first call on: the insert of the whole batch is the bench's work, not the drain's.
  await until(async () => ((await (await target('/count')).json()).total > 0 ? 0 : 1), 'first call', { pollMs: 2 });
  const before = { worker: cpuMs(worker.pid), postgres: postgresCpuMs() };
  // The target counts the calls; the database is asked only once they are all made, and then
  // through the small index of leased tasks: a count over the backlog every few milliseconds
  // would cost PostgreSQL more than the drain it measures.
  await until(async () => Math.max(0, DRAIN_TASKS - (await (await target('/count')).json()).total), 'drain (calls)', {
    progress,
  });
  const end = await until(
    async () => (await db.query(`SELECT count(*)::int AS n FROM tasks WHERE status = 'processing'`)).rows[0].n,
    'drain (completions)',
    { progress },
  );
  const perTask = (now, then) => Math.round(((now - then) * 1000) / DRAIN_TASKS);
  const cpuPerTaskUs = {
    worker: perTask(cpuMs(worker.pid), before.worker),
    postgres: perTask(postgresCpuMs(), before.postgres),
  };
  const stats = await (await target('/stats')).json();
  return {
    tasks: DRAIN_TASKS,
    tasksPerSecond: round(DRAIN_TASKS / ((end - stats.firstAt) / 1000)),
    cpuPerTaskUs,
    exactlyOnce: stats.distinct === DRAIN_TASKS && stats.duplicates === 0 && stats.total === DRAIN_TASKS,
  };
}

async function scenario(name, rows) {
  progress(`${name}: fresh database, ${rows} scheduled tasks`);
  const dbName = `aq_scheduled_${name}`;
  const url = await freshDatabase(dbName);
  const env = {
    DATABASE_URL: url,
    VAULT_KEYS: `scheduled:${Buffer.alloc(32, 9).toString('base64')}`,
    ALLOWED_PRIVATE_TARGETS: '127.0.0.1/32',
    LOG_LEVEL: 'warn',
  };
  // The API process runs the migrations; the team comes from the CLI.
  const api = await startBuild(ROOT, env, API_PORT, { WORKER_ENABLED: 'false' });
  await stop(api);
  const team = createTeamWithCli(ROOT, env, 'scheduled');
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await loadSchedule(db, team.team.id, rows);
    const worker = await startBuild(ROOT, env, WORKER_PORT, { API_ENABLED: 'false' });
    try {
      await sleep(3000);
      progress(`  idle for ${IDLE_SECONDS} s`);
      const idle = await measureIdle(worker);
      progress(`  drain of ${DRAIN_TASKS} due tasks`);
      const drain = await measureDrain(db, team.team.id, worker);
      return { scheduledTasks: rows, idle, drain };
    } finally {
      await stop(worker);
    }
  } finally {
    await db.end();
    await dropDatabase(dbName);
  }
}

async function main() {
  const targetProcess = startNode(join(ROOT, 'bench', 'target.mjs'), [String(TARGET_PORT)]);
  await waitForMessage(targetProcess, 'ready');
  const loadBefore = loadavg();
  try {
    const empty = await scenario('empty', 0);
    const loaded = await scenario('loaded', ROWS);
    const report = {
      at: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGb: round(totalmem() / 1024 ** 3, 1),
        loadAverageBefore: loadBefore,
      },
      empty,
      loaded,
      loadedOverEmpty: {
        idlePostgresCpu: empty.idle.postgresCpuMsPerSecond
          ? round(loaded.idle.postgresCpuMsPerSecond / empty.idle.postgresCpuMsPerSecond, 2)
          : null,
        drainRate: round(loaded.drain.tasksPerSecond / empty.drain.tasksPerSecond, 2),
      },
    };
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'results', 'scheduled.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(JSON.stringify(report, null, 2));
  } finally {
    await stop(targetProcess);
  }
}

await main();
