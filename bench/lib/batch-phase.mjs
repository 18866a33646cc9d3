import { Agent, request } from 'undici';
import { cpuMeter } from './processes.mjs';
import { percentile, round } from './stats.mjs';

/**
 * POST /v1/tasks/batch with `batchSize` copies of `taskBody`, from `connections` lanes at once,
 * back to back, for `warmUpSeconds` (not counted) and then `seconds`. The rate counts the tasks of
 * batches answered inside the measured window; the latencies are those of batches sent and
 * answered inside it. CPU per task: the API process, and the whole PostgreSQL server (every
 * database on it counts, so it is only meaningful on a quiet machine).
 */
export async function measureBatches({ apiUrl, apiPid, headers, taskBody, batchSize, connections, seconds, warmUpSeconds }) {
  const payload = JSON.stringify({ tasks: Array.from({ length: batchSize }, () => taskBody) });
  const agent = new Agent({ keepAliveTimeout: 30_000, connections });
  const measureFrom = Date.now() + warmUpSeconds * 1000;
  const measureUntil = measureFrom + seconds * 1000;
  const latencies = [];
  let answeredTasks = 0;
  let failures = 0;
  let firstFailure = null;
  let cpu = null;
  const startCpu = setTimeout(() => (cpu = cpuMeter(apiPid)), warmUpSeconds * 1000);
  const lane = async () => {
    while (Date.now() < measureUntil) {
      const sentAt = Date.now();
      const response = await request(`${apiUrl}/v1/tasks/batch`, { method: 'POST', headers, body: payload, dispatcher: agent });
      const body = await response.body.json();
      const doneAt = Date.now();
      if (response.statusCode !== 201 || body.tasks?.length !== batchSize) {
        failures += 1;
        firstFailure ??= `${response.statusCode} ${JSON.stringify(body).slice(0, 300)}`;
        continue;
      }
      if (doneAt > measureFrom && doneAt <= measureUntil) answeredTasks += batchSize;
      if (sentAt >= measureFrom && doneAt <= measureUntil) latencies.push(doneAt - sentAt);
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
  clearTimeout(startCpu);
  await agent.close();
  const cpuPerTaskUs = cpu?.perTaskUs(answeredTasks) ?? null;
  return {
    batchSize,
    connections,
    seconds,
    batches: latencies.length,
    tasksPerSecond: round(answeredTasks / seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? Math.max(...latencies) : null,
    failures,
    firstFailure,
    cpuPerTaskUs: cpuPerTaskUs && { api: cpuPerTaskUs.worker, postgres: cpuPerTaskUs.postgres },
  };
}
