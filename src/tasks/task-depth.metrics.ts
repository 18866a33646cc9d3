import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import { TaskRepository } from './persistence/task.repository.js';
import { OPEN_STATUSES } from './rules/task-status.js';

/** `asyncqueue_tasks{status}`: queue depth, read from the database at scrape time (all teams). */
@Injectable()
export class TaskDepthMetrics {
  constructor(metrics: MetricsService, tasks: TaskRepository) {
    new Gauge({
      name: 'asyncqueue_tasks',
      help: 'Tasks not yet finished, by status',
      labelNames: ['status'],
      registers: [metrics.registry],
      async collect() {
        const counts = await tasks.countOpenByStatus();
        for (const status of OPEN_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
  }
}
