import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import type { AttemptLabel } from './attempt-outcome.js';

/** Executor counters; label values are fixed words, never ids, URLs or header values. */
@Injectable()
export class ExecutorMetrics {
  readonly claims: Counter;
  readonly attempts: Counter<'outcome'>;
  readonly dispatchLatency: Histogram;
  readonly statusChecks: Counter;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.claims = new Counter({
      name: 'asyncqueue_task_claims_total',
      help: 'Tasks claimed by this worker',
      registers,
    });
    this.attempts = new Counter({
      name: 'asyncqueue_task_attempts_total',
      help: 'Attempts by outcome (completed: answered, including submit calls that start a wait; retried; failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.dispatchLatency = new Histogram({
      name: 'asyncqueue_dispatch_latency_seconds',
      help: 'From a task being due to its call starting',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.statusChecks = new Counter({
      name: 'asyncqueue_status_checks_total',
      help: 'Status checks of polling tasks made by this worker',
      registers,
    });
  }

  recordAttempt(outcome: AttemptLabel): void {
    this.attempts.inc({ outcome });
  }
}
