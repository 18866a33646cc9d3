// pg-boss contender: enqueue N jobs, wait for "start", then work them. pg-boss 10 fetches one batch
// per polling interval (0.5 s at least) and completes it when the handler returns for the whole
// batch, so its drain rate is about batch size / 0.5 s until the CPU runs out: the batch size
// (how many jobs it locks at once) decides its result. Batches are worked 32 at a time, the same
// in-flight limit as the others. The bench passes the batch size (BENCH_PGBOSS_BATCH, 256).
import PgBoss from 'pg-boss';
import { post } from './http-post.mjs';

const [connectionString, targetUrl, count, batchSize = '256'] = process.argv.slice(2);
const QUEUE = 'post';
const BATCH_SIZE = Number(batchSize);
const CONCURRENCY = 32;

const boss = new PgBoss({ connectionString, max: 10, schedule: false, supervise: false });
boss.on('error', (error) => process.stderr.write(`${error.message}\n`));
await boss.start();
await boss.createQueue(QUEUE);
const total = Number(count);
for (let start = 0; start < total; start += 1000) {
  const jobs = Array.from({ length: Math.min(1000, total - start) }, (_, j) => ({ name: QUEUE, data: { i: start + j } }));
  await boss.insert(jobs);
}
process.send('enqueued');

async function workAll(jobs) {
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      await post(targetUrl, job.id, JSON.stringify(job.data));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, lane));
}

process.on('message', async (message) => {
  if (message !== 'start') return;
  await boss.work(QUEUE, { batchSize: BATCH_SIZE, pollingIntervalSeconds: 0.5 }, workAll);
  process.on('SIGTERM', () => void boss.stop({ graceful: false }).then(() => process.exit(0)));
});
