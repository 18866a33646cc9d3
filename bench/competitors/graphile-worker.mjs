// graphile-worker contender: enqueue N jobs, wait for "start", then work them with concurrency 32.
// Mode "batched" turns on graphile-worker 0.17's own batching, the setup its docs give for high
// throughput: the pool locks jobs ahead into a local queue and completes finished jobs together.
// The local queue holds 32 jobs (what our worker claims ahead by default) unless a size follows
// "batched"; completions are gathered for 5 ms, as ours are.
import pg from 'pg';
import { Logger, run, runMigrations } from 'graphile-worker';
import { post } from './http-post.mjs';

const [connectionString, targetUrl, count, mode = 'default', localQueueSize = '32'] = process.argv.slice(2);
const CONCURRENCY = 32;
const batching =
  mode === 'batched'
    ? { localQueue: { size: Number(localQueueSize) }, completeJobBatchDelay: 5, failJobBatchDelay: 5 }
    : {};

await runMigrations({ connectionString, logger: quietLogger() });
const client = new pg.Client({ connectionString });
await client.connect();
await client.query(`SELECT graphile_worker.add_job('post', json_build_object('i', g)) FROM generate_series(1, $1::int) g`, [
  Number(count),
]);
await client.end();
process.send('enqueued');
process.on('message', async (message) => {
  if (message !== 'start') return;
  const runner = await run({
    connectionString,
    concurrency: CONCURRENCY,
    pollInterval: 1000,
    noHandleSignals: false,
    logger: quietLogger(),
    preset: { worker: batching },
    taskList: {
      post: async (payload, helpers) => post(targetUrl, helpers.job.id, JSON.stringify(payload)),
    },
  });
  process.on('SIGTERM', () => void runner.stop().then(() => process.exit(0)));
});

function quietLogger() {
  return new Logger(() => (level, message) => {
    if (level === 'error') process.stderr.write(`${message}\n`);
  });
}
