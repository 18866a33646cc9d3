import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import type { AttemptLabel } from './attempt-outcome.js';
import type { OutboundFailureKind, OutboundPurpose } from './outbound.types.js';

/** How an outbound call ended: the answer's status class, or why there was none. */
export type CallOutcome = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'network_error';

/** How a completion webhook ended (SPEC §7: recorded on the task, never changes its status). */
export type WebhookOutcome =
  'delivered' | 'http_error' | 'timeout' | 'network_error' | 'blocked' | 'aborted' | 'secret_unreadable';

/** Executor counters; label values are fixed words, never ids, URLs or header values. */
@Injectable()
export class ExecutorMetrics {
  readonly claims: Counter;
  readonly attempts: Counter<'outcome'>;
  readonly dispatchLatency: Histogram;
  readonly statusChecks: Counter;
  readonly callDuration: Histogram<'purpose' | 'outcome'>;
  readonly completionWebhooks: Counter<'outcome'>;
  readonly throttled: Counter<'team' | 'queue'>;

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
    this.callDuration = new Histogram({
      name: 'asyncqueue_call_duration_seconds',
      help: 'Outbound HTTP calls by purpose (call, status_check, webhook) and outcome (status class, timeout, network_error), redirects included',
      labelNames: ['purpose', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
      registers,
    });
    this.throttled = new Counter({
      name: 'asyncqueue_throttled_answers_total',
      help: 'Answers that throttled a task (429, or 503 with Retry-After), by team id and queue name (SPEC §9)',
      labelNames: ['team', 'queue'],
      registers,
    });
    this.completionWebhooks = new Counter({
      name: 'asyncqueue_completion_webhooks_total',
      help: 'onCompleteUrl notifications by outcome (delivered: a 2xx answer)',
      labelNames: ['outcome'],
      registers,
    });
  }

  /** Calls that went out; a blocked or aborted one is not a call and has no duration worth showing. */
  recordCall(purpose: OutboundPurpose, result: { statusCode: number } | OutboundFailureKind, seconds: number): void {
    const outcome = callOutcomeOf(result);
    if (outcome !== null) this.callDuration.observe({ purpose, outcome }, seconds);
  }

  recordCompletionWebhook(outcome: WebhookOutcome): void {
    this.completionWebhooks.inc({ outcome });
  }

  recordAttempt(outcome: AttemptLabel): void {
    this.attempts.inc({ outcome });
  }
}

function callOutcomeOf(result: { statusCode: number } | OutboundFailureKind): CallOutcome | null {
  if (typeof result === 'object')
    return `${Math.min(5, Math.max(1, Math.floor(result.statusCode / 100)))}xx` as CallOutcome;
  if (result === 'timeout') return 'timeout';
  return result === 'network' ? 'network_error' : null;
}
