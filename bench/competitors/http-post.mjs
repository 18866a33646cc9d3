// The call every competitor's handler makes: the same POST the AsyncQueue worker sends, through
// one keep-alive undici pool.
import { Agent, request } from 'undici';

const agent = new Agent({ keepAliveTimeout: 10_000, connections: 128 });

export async function post(url, jobId, body) {
  const response = await request(url, {
    method: 'POST',
    dispatcher: agent,
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer sk-bench', 'X-Job-Id': String(jobId) },
    body,
  });
  await response.body.dump();
  if (response.statusCode >= 500) throw new Error(`HTTP ${response.statusCode}`);
}
