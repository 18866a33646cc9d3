import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '../common/time/clock.js';
import type { Task } from '../tasks/entities/task.entity.js';
import { TaskRepository } from '../tasks/persistence/task.repository.js';
import { toTaskView } from '../tasks/tasks.views.js';
import { UNREADABLE_WEBHOOK_SECRET, WebhookSecretService } from '../vault/webhook-secret.service.js';
import { EgressService } from './egress.service.js';
import { ExecutorMetrics, type WebhookOutcome } from './executor.metrics.js';
import { OutboundFailure } from './outbound.types.js';
import { signatureHeader } from './request-signer.js';
import { USER_AGENT } from './user-agent.js';

const WEBHOOK_TIMEOUT_MS = 10_000;
const BATCH_SIZE = 20;
/** A delivery claimed longer ago than this was abandoned by a dead worker and is taken over. */
const STALE_CLAIM_SECONDS = 60;

/**
 * onCompleteUrl notifications. Terminal transitions mark the row (`on_complete_state = pending`)
 * in the same statement that ends the task, so a notification survives restarts; this loop
 * delivers them beside the claim loop, never inside it. One attempt each; the outcome is stored.
 */
@Injectable()
export class CompletionWebhookService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CompletionWebhookService.name);
  private draining: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly tasks: TaskRepository,
    private readonly egress: EgressService,
    private readonly secrets: WebhookSecretService,
    private readonly scheduler: SchedulerRegistry,
    private readonly clock: Clock,
    private readonly metrics: ExecutorMetrics,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.addInterval(
      'completion-webhooks',
      setInterval(() => this.notifyPending(), 1000),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    // The schedule module may have cleared its intervals already.
    if (this.scheduler.doesExist('interval', 'completion-webhooks'))
      this.scheduler.deleteInterval('completion-webhooks');
    await this.draining;
  }

  /** Starts a delivery pass unless one is running (then it runs once more afterwards). */
  notifyPending(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error: Error) => this.logger.error(`Completion webhooks failed: ${error.message}`))
      .finally(() => {
        this.draining = null;
        if (this.again && !this.stopped) {
          this.again = false;
          this.notifyPending();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const batch = await this.claim();
      if (batch.length === 0) return;
      const secrets = await this.secrets.forTeams(batch.map((task) => task.teamId));
      await Promise.all(batch.map((task) => this.deliver(task, secrets.get(task.teamId))));
    }
  }

  private claim(): Promise<Task[]> {
    return this.tasks.claimCompletionWebhooks(BATCH_SIZE, STALE_CLAIM_SECONDS);
  }

  /** `secret`: undefined when the team has none (sent unsigned), null when it cannot be read (not sent). */
  private async deliver(task: Task, secret: string | null | undefined): Promise<void> {
    if (secret === null) {
      this.metrics.recordCompletionWebhook('secret_unreadable');
      return this.record(task, 'failed', null, UNREADABLE_WEBHOOK_SECRET);
    }
    const body = JSON.stringify({
      event: `task.${task.status}`,
      task: toTaskView(task),
    });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': USER_AGENT,
      'X-AsyncQueue-Task-Id': task.id,
    };
    if (secret)
      headers['X-AsyncQueue-Signature'] = signatureHeader(secret, body, Math.floor(this.clock.now().getTime() / 1000));
    let state: 'delivered' | 'failed' = 'failed';
    let statusCode: number | null = null;
    let error: string | null = null;
    let outcome: WebhookOutcome;
    try {
      const response = await this.egress.send({
        purpose: 'webhook',
        method: 'POST',
        url: task.onCompleteUrl as string,
        headers,
        body,
        timeoutMs: WEBHOOK_TIMEOUT_MS,
        sensitiveHeaders: [],
      });
      statusCode = response.statusCode;
      if (statusCode >= 200 && statusCode < 300) state = 'delivered';
      else error = `Webhook answered HTTP ${statusCode}`;
      outcome = state === 'delivered' ? 'delivered' : 'http_error';
    } catch (failure) {
      if (!(failure instanceof OutboundFailure)) throw failure;
      error = failure.message;
      outcome = failure.kind === 'network' ? 'network_error' : failure.kind;
    }
    this.metrics.recordCompletionWebhook(outcome);
    await this.record(task, state, statusCode, error);
  }

  private async record(
    task: Task,
    state: 'delivered' | 'failed',
    statusCode: number | null,
    error: string | null,
  ): Promise<void> {
    await this.tasks.recordCompletionWebhook(task.id, { state, statusCode, error });
  }
}
