// The bare-call ceiling: the same POSTs every contender makes, to the same target, 32 in flight,
// with no queue and no database. Whatever a queue adds to a call is the distance from this rate.
import { post } from './http-post.mjs';

const [, targetUrl, count] = process.argv.slice(2);
const IN_FLIGHT = 32;
const total = Number(count);

process.send('enqueued');
process.on('message', async (message) => {
  if (message !== 'start') return;
  let next = 0;
  const lane = async () => {
    while (next < total) {
      const id = (next += 1);
      await post(targetUrl, id, JSON.stringify({ i: id }));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
});
process.on('SIGTERM', () => process.exit(0));
