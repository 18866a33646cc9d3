import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql.js';
import { MetricsService } from './metrics.service.js';

/** Statuses a task can still leave; terminal ones only grow and are counted by the attempt counters. */
const OPEN_STATUSES = ['pending', 'delayed', 'processing', 'waiting', 'polling'];

/** `asyncqueue_tasks{status}`: queue depth, read from the database at scrape time (all teams). */
@Injectable()
export class QueueDepthMetrics {
  constructor(metrics: MetricsService, @InjectDataSource() db: DataSource) {
    new Gauge({
      name: 'asyncqueue_tasks',
      help: 'Tasks not yet finished, by status',
      labelNames: ['status'],
      registers: [metrics.registry],
      async collect() {
        // Each arm's condition matches one partial index's predicate, so the scrape reads only
        // unfinished rows however many finished ones the table holds.
        const rows = await queryRows<{ status: string; n: number }>(
          db,
          `SELECT status, count(*)::int AS n FROM tasks WHERE status IN ('pending', 'delayed', 'polling') GROUP BY status
           UNION ALL
           SELECT 'processing', count(*)::int FROM tasks WHERE status = 'processing'
           UNION ALL
           SELECT 'waiting', count(*)::int FROM tasks WHERE status = 'waiting'`,
          [],
        );
        const counts = new Map(rows.map((row) => [row.status, row.n]));
        for (const status of OPEN_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
  }
}
