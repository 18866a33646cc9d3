import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { QueueRepository, type QueueMetricsRecord } from './persistence/queue.repository.js';
import { OPEN_STATUSES } from './rules/task-status.js';

type QueueLabel = 'team' | 'queue';

/**
 * Per-queue gauges (SPEC §9, §12), read from the database at scrape time, every team's queues
 * (at most 1,000, see QUEUE_METRICS_SQL). Labels are the team id and the queue name, as on
 * asyncqueue_throttled_answers_total: neither is a secret, and there is one series per queue,
 * not per task. The gauges of one scrape share one statement.
 */
@Injectable()
export class QueueMetrics {
  private scrape: Promise<QueueMetricsRecord[]> | null = null;

  constructor(metrics: MetricsService, queues: QueueRepository) {
    const registers = [metrics.registry];
    // prom-client collects the metrics of a scrape concurrently: the first asks, the others share the answer.
    const snapshot = (): Promise<QueueMetricsRecord[]> => {
      this.scrape ??= queues.metrics().finally(() => {
        this.scrape = null;
      });
      return this.scrape;
    };
    new Gauge<QueueLabel | 'status'>({
      name: 'asyncqueue_queue_tasks',
      help: 'Open tasks of each queue by status',
      labelNames: ['team', 'queue', 'status'],
      registers,
      async collect() {
        const rows = await snapshot();
        this.reset();
        for (const row of rows) {
          for (const status of OPEN_STATUSES) {
            this.set({ team: row.teamId, queue: row.name, status }, row.counts[status] ?? 0);
          }
        }
      },
    });
    new Gauge<QueueLabel>({
      name: 'asyncqueue_queue_oldest_due_age_seconds',
      help: 'Age of the oldest due, unclaimed task of each queue (0 if none)',
      labelNames: ['team', 'queue'],
      registers,
      async collect() {
        const rows = await snapshot();
        this.reset();
        for (const row of rows) this.set({ team: row.teamId, queue: row.name }, row.oldestDueAgeMs / 1000);
      },
    });
    new Gauge<QueueLabel>({
      name: 'asyncqueue_queue_calls_in_flight',
      help: 'Calls and status checks of each queue under a live lease, across all processes',
      labelNames: ['team', 'queue'],
      registers,
      async collect() {
        const rows = await snapshot();
        this.reset();
        for (const row of rows) this.set({ team: row.teamId, queue: row.name }, row.inFlight);
      },
    });
    new Gauge<QueueLabel>({
      name: 'asyncqueue_queue_paused',
      help: '1 when the queue is paused',
      labelNames: ['team', 'queue'],
      registers,
      async collect() {
        const rows = await snapshot();
        this.reset();
        for (const row of rows) this.set({ team: row.teamId, queue: row.name }, row.paused ? 1 : 0);
      },
    });
  }
}
