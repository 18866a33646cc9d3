import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfiguration } from '../config/configuration.js';
import { NotificationListener, TASK_DUE_CHANNEL } from '../database/notification-listener.service.js';
import { labelOf } from './attempt-outcome.js';
import { CompletionBatcher } from './completion-batcher.js';
import { CompletionWebhookService } from './completion-webhook.service.js';
import { ExecutorMetrics } from './executor.metrics.js';
import { LEASE_RENEW_MS, TaskLeaseStore, type AttemptOutcome, type ClaimedTask } from './task-lease.store.js';
import { TaskDispatcher } from './task-dispatcher.service.js';
import { TaskPoller } from './task-poller.service.js';

const CLAIM_GATHER_MS = 5;

/**
 * The claim loop. It claims as many due tasks as it has free slots (EXECUTOR_CONCURRENCY) —
 * calls, and status checks of polling tasks — runs them without holding any transaction, and
 * sleeps until a NOTIFY, a freed slot, the next known due time or the fallback poll wakes it.
 */
@Injectable()
export class ExecutorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ExecutorService.name);
  readonly workerId = randomUUID();
  private readonly concurrency: number;
  private readonly pollIntervalMs: number;
  private readonly shutdownGraceMs: number;
  private readonly inFlight = new Map<string, { promise: Promise<void>; abort: AbortController }>();
  private readonly completions: CompletionBatcher;
  private readonly claimBatchThreshold: number;
  private lastClaimAt = 0;
  private running = false;
  private wakeRequested = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: TaskLeaseStore,
    private readonly dispatcher: TaskDispatcher,
    private readonly poller: TaskPoller,
    private readonly webhooks: CompletionWebhookService,
    private readonly metrics: ExecutorMetrics,
    private readonly notifications: NotificationListener,
    private readonly scheduler: SchedulerRegistry,
    config: ConfigService<AppConfiguration, true>,
  ) {
    const executor = config.get('executor', { infer: true });
    this.concurrency = executor.concurrency;
    this.pollIntervalMs = executor.pollIntervalMs;
    this.shutdownGraceMs = executor.shutdownGraceMs;
    this.claimBatchThreshold = Math.max(1, Math.floor(this.concurrency / 4));
    this.completions = new CompletionBatcher(store);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.unsubscribe = this.notifications.on(TASK_DUE_CHANNEL, () => this.requestWake());
    this.scheduler.addInterval(
      'executor-poll',
      setInterval(() => void this.tick(), this.pollIntervalMs),
    );
    this.scheduler.addInterval(
      'executor-lease-renewal',
      setInterval(() => void this.renewLeases(), LEASE_RENEW_MS),
    );
    this.loop = this.run();
  }

  /** Stop claiming, let in-flight calls finish within the grace period, hand back the rest at once. */
  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unsubscribe?.();
    for (const name of ['executor-poll', 'executor-lease-renewal']) this.scheduler.deleteInterval(name);
    this.requestWake();
    await this.loop;
    const drained = await this.waitForInFlight(this.shutdownGraceMs);
    if (!drained) {
      for (const { abort } of this.inFlight.values()) abort.abort();
      await this.waitForInFlight(5_000);
    }
    await this.completions.flush();
    const released = await this.store.release(this.workerId);
    if (released > 0) this.logger.log(`Handed back ${released} unfinished task(s) on shutdown`);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const free = this.concurrency - this.inFlight.size;
      if (free <= 0 || this.shouldGatherSlots(free)) {
        // Cleared before sleeping: a wake raised while full must not turn this into a busy loop.
        this.wakeRequested = false;
        await this.sleep(free <= 0 ? this.pollIntervalMs : CLAIM_GATHER_MS);
        continue;
      }
      this.lastClaimAt = Date.now();
      this.wakeRequested = false;
      let claimed: ClaimedTask[];
      try {
        claimed = await this.store.claim(this.workerId, free);
      } catch (error) {
        this.logger.error(`Claiming tasks failed: ${(error as Error).message}`);
        await this.sleep(this.pollIntervalMs);
        continue;
      }
      if (claimed.length > 0) {
        this.metrics.claims.inc(claimed.length);
        this.start(claimed);
      }
      if (claimed.length < free && !this.wakeRequested) {
        await this.sleep(await this.idleDelay());
      }
    }
  }

  /**
   * Under load, slots free up one at a time; claiming for each would cost a round trip per task.
   * A few milliseconds of gathering turns that into one claim for a quarter of the slots.
   */
  private shouldGatherSlots(free: number): boolean {
    return free < this.claimBatchThreshold && this.inFlight.size > 0 && Date.now() - this.lastClaimAt < CLAIM_GATHER_MS;
  }

  private start(claimed: ClaimedTask[]): void {
    for (const entry of claimed) {
      const { task } = entry;
      const abort = new AbortController();
      const promise = this.execute(entry, abort.signal).finally(() => {
        this.inFlight.delete(task.id);
        this.requestWake();
      });
      this.inFlight.set(task.id, { promise, abort });
    }
  }

  private async execute(claimed: ClaimedTask, signal: AbortSignal): Promise<void> {
    const { task } = claimed;
    try {
      const outcome =
        claimed.kind === 'poll' ? await this.checkStatus(claimed, signal) : await this.call(claimed, signal);
      // An attempt cut short by shutdown is not an outcome: release() hands the task back.
      if (signal.aborted) return;
      const applied = await this.completions.write(outcome);
      if (claimed.kind === 'call') this.metrics.recordAttempt(labelOf(outcome));
      if (applied && outcome.completedAt) this.webhooks.notifyPending();
    } catch (error) {
      this.logger.error(`Task ${task.id} attempt crashed: ${(error as Error).message}`);
    }
  }

  private call(claimed: ClaimedTask, signal: AbortSignal): Promise<AttemptOutcome> {
    const { task } = claimed;
    this.logger.debug(`Dispatching task ${task.id}, attempt ${task.attemptCount}`);
    return this.dispatcher.dispatch(claimed, {
      signal,
      onCallStart: () => this.metrics.dispatchLatency.observe(Math.max(0, Date.now() - task.runAt.getTime()) / 1000),
    });
  }

  private checkStatus(claimed: ClaimedTask, signal: AbortSignal): Promise<AttemptOutcome> {
    this.logger.debug(`Checking the provider status of task ${claimed.task.id}`);
    this.metrics.statusChecks.inc();
    return this.poller.poll(claimed, signal);
  }

  private async tick(): Promise<void> {
    try {
      await this.store.promoteDelayed();
      const reaped = await this.store.reapExpiredLeases();
      if (reaped > 0) this.logger.warn(`Re-queued ${reaped} task(s) whose worker lost its lease`);
      const expired = await this.store.expireWaits();
      if (expired > 0) this.webhooks.notifyPending();
    } catch (error) {
      this.logger.error(`Executor housekeeping failed: ${(error as Error).message}`);
    }
    this.requestWake();
  }

  private async renewLeases(): Promise<void> {
    if (this.inFlight.size === 0) return;
    await this.store
      .renew(this.workerId, [...this.inFlight.keys()])
      .catch((error: Error) => this.logger.error(`Lease renewal failed: ${error.message}`));
  }

  /** How long to sleep with nothing claimable: until the next known due time, at most one poll interval. */
  private async idleDelay(): Promise<number> {
    try {
      const next = await this.store.msUntilNextDue();
      return next === null ? this.pollIntervalMs : Math.min(Math.max(next, 1), this.pollIntervalMs);
    } catch {
      return this.pollIntervalMs;
    }
  }

  private requestWake(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async waitForInFlight(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const all = Promise.all([...this.inFlight.values()].map((entry) => entry.promise)).then(() => true as const);
    const drained = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return drained;
  }
}
