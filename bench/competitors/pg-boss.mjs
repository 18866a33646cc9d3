// pg-boss contender: enqueue N jobs, wait for "start", then work them 32 at a time.
import PgBoss from 'pg-boss';
import { post } from './http-post.mjs';

const [connectionString, targetUrl, count] = process.argv.slice(2);
const QUEUE = 'post';

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
process.on('message', async (message) => {
  if (message !== 'start') return;
  await boss.work(QUEUE, { batchSize: 32, pollingIntervalSeconds: 0.5 }, (jobs) =>
    Promise.all(jobs.map((job) => post(targetUrl, job.id, JSON.stringify(job.data)))),
  );
  process.on('SIGTERM', () => void boss.stop({ graceful: false }).then(() => process.exit(0)));
});
