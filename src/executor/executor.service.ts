import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import type { AppConfiguration } from '../config/configuration.js';
import { NotificationListener, TASK_DUE_CHANNEL } from '../database/notification-listener.service.js';
import { labelOf } from './attempt-outcome.js';
import { CompletionBatcher } from './completion-batcher.js';
import { CompletionWebhookService } from './completion-webhook.service.js';
import { ExecutorMetrics } from './executor.metrics.js';
import type { AttemptOutcome, ClaimedTask } from '../tasks/persistence/task-lease.types.js';
import { TaskRepository } from '../tasks/persistence/task.repository.js';
import { QueueRepository } from '../tasks/persistence/queue.repository.js';
import { LEASE_RENEW_MS } from '../tasks/rules/task-lease.js';
import { logTaskEnding, logTaskThrottled } from '../tasks/task-ending.log.js';
import { TaskDispatcher } from './task-dispatcher.service.js';
import { TaskPoller } from './task-poller.service.js';

const CLAIM_GATHER_MS = 10;
/**
 * While queues that hold tasks back exist, how often an idle worker asks whether one of them
 * admits more (a slot freed elsewhere, or the rolling window moved on).
 */
const GATED_RECHECK_MS = 25;
/**
 * A rate window is held this much longer than its period, and a call of a rate-limited queue
 * that cannot leave the worker within this long after its claim was sent is handed back instead
 * of made: every call then starts within the guard after the start its claim recorded, so the
 * calls in any window of one period at the destination were admitted within one period plus the
 * guard, which the claim never lets exceed the limit. A late call happens only when the worker
 * is starved of CPU; its start stays counted, so the queue runs slower then, never faster.
 */
const RATE_WINDOW_GUARD_MS = 100;
/**
 * How long a looked-up next due time is trusted. A worker woken by every NOTIFY would otherwise
 * ask for it after every claim; a delayed task created meanwhile is still found by the next
 * lookup or the fallback poll.
 */
const NEXT_DUE_TRUST_MS = 100;

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
  private readonly inFlight = new Map<string, Promise<void>>();
  /**
   * Calls of governed or paused queues in flight (also in inFlight). They have slots of their own
   * (as many as EXECUTOR_CONCURRENCY): their queue's admission decides when they start, so they
   * start the moment they are claimed and never wait behind other queues' backlog.
   */
  private gatedRunning = 0;
  /** Calls of rate-limited queues, by task id: the performance.now() by which each must start. */
  private readonly startDeadlines = new Map<string, number>();
  /** Claimed calls that missed their start deadline, handed back together on the next turn. */
  private lateTasks: string[] = [];
  /** Whether any queue holds tasks back (refreshed every tick); without one the gated claim is skipped. */
  private gatedQueuesExist = true;
  /** One signal for every call in flight: shutdown aborts them all at once, and only then. */
  private readonly shutdownAbort = new AbortController();
  private readonly debugLogs: boolean;
  /** Claimed, not started yet: each starts as soon as a slot frees. */
  private readonly ready: ClaimedTask[] = [];
  private readonly prefetch: number;
  /** Outcome writes not yet landed; shutdown waits for them before handing tasks back. */
  private readonly writes = new Set<Promise<void>>();
  private readonly completions: CompletionBatcher;
  private readonly claimBatchThreshold: number;
  private lastClaimAt = 0;
  /**
   * A full claim may have left due tasks behind, so a freed slot is worth another claim. After a
   * partial one it is not: every finished call would cost an empty claim on a quiet queue, and
   * tasks that come due later wake the loop themselves (NOTIFY, the next due time, the poll).
   */
  private lastClaimFilled = true;
  private nextDue: { at: number | null; lookedUpAt: number } | null = null;
  private running = false;
  private wakeRequested = false;
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly store: TaskRepository,
    private readonly queues: QueueRepository,
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
    // A claim's cost is mostly per statement, not per row: the database spends about half as much
    // per task claiming 32 at a time as claiming 8. So claims wait for half the slots to be free,
    // and a full set of slots' worth waits ready behind the calls in flight.
    this.claimBatchThreshold = Math.max(1, Math.floor(this.concurrency / 2));
    this.prefetch = this.concurrency;
    this.completions = new CompletionBatcher(store);
    // Every call in flight listens on it (and stops listening when it ends): not a leak.
    setMaxListeners(0, this.shutdownAbort.signal);
    // Checked here rather than left to the logger: two debug lines per task cost more than the
    // rest of the bookkeeping around a call when nothing is written.
    this.debugLogs = ['debug', 'trace'].includes(config.get('logging', { infer: true }).level);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Before the process reports ready: the first tasks should not wait for connections to open.
    await this.store
      .openConnections()
      .catch((error: Error) => this.logger.warn(`Could not open the executor's connections yet: ${error.message}`));
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
    for (const name of ['executor-poll', 'executor-lease-renewal']) {
      if (this.scheduler.doesExist('interval', name)) this.scheduler.deleteInterval(name);
    }
    this.requestWake();
    await this.loop;
    // Claimed but never started: release() below hands them back untouched.
    this.ready.length = 0;
    const drained = await this.waitForInFlight(this.shutdownGraceMs);
    if (!drained) {
      this.shutdownAbort.abort();
      await this.waitForInFlight(5_000);
    }
    await this.completions.flush();
    await Promise.all([...this.writes]);
    const released = await this.store.release(this.workerId);
    if (released > 0) this.logger.log(`Handed back ${released} unfinished task(s) on shutdown`);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const gatedClaimed = await this.claimGated();
      const room = this.concurrency + this.prefetch - (this.inFlight.size - this.gatedRunning) - this.ready.length;
      if (room <= 0 || this.shouldGatherSlots(room)) {
        // Cleared before sleeping: a wake raised while full must not turn this into a busy loop.
        this.wakeRequested = false;
        await this.sleep(room <= 0 ? this.pollIntervalMs : CLAIM_GATHER_MS);
        continue;
      }
      this.lastClaimAt = Date.now();
      this.wakeRequested = false;
      let claimed: ClaimedTask[];
      try {
        claimed = await this.store.claim(this.workerId, room);
      } catch (error) {
        this.logger.error(`Claiming tasks failed: ${(error as Error).message}`);
        await this.sleep(this.pollIntervalMs);
        continue;
      }
      this.lastClaimFilled = claimed.length === room;
      if (claimed.length > 0) {
        this.metrics.claims.inc(claimed.length);
        this.enqueue(claimed);
      }
      if (claimed.length < room && !this.wakeRequested) {
        const idle = await this.idleDelay();
        await this.sleep(this.gatedQueuesExist ? Math.min(idle, gatedClaimed > 0 ? 1 : GATED_RECHECK_MS) : idle);
      }
    }
  }

  /**
   * Claims what queues that hold tasks back admit, up to the free gated slots, and starts it at
   * once. Returns how many were claimed.
   */
  private async claimGated(): Promise<number> {
    const free = this.concurrency - this.gatedRunning;
    if (!this.gatedQueuesExist || free <= 0 || !this.running) return 0;
    let claimed: ClaimedTask[];
    const claimSentAt = performance.now();
    try {
      claimed = await this.store.claimGated(this.workerId, free, RATE_WINDOW_GUARD_MS);
    } catch (error) {
      this.logger.error(`Claiming tasks of governed queues failed: ${(error as Error).message}`);
      return 0;
    }
    if (claimed.length > 0) this.metrics.claims.inc(claimed.length);
    for (const entry of claimed) {
      if (entry.rateLimited) this.startDeadlines.set(entry.task.id, claimSentAt + RATE_WINDOW_GUARD_MS);
      this.start(entry);
    }
    return claimed.length;
  }

  /**
   * Under load, slots free up one at a time; claiming for each would cost a round trip per task.
   * A few milliseconds of gathering turns that into one claim for half of the slots.
   */
  private shouldGatherSlots(room: number): boolean {
    return room < this.claimBatchThreshold && this.inFlight.size > 0 && Date.now() - this.lastClaimAt < CLAIM_GATHER_MS;
  }

  /**
   * Claimed tasks wait in `ready` (at most `prefetch` beyond the free slots) and start the moment
   * a slot frees, so a slot never sits idle for the claim round trip. Kept in claim order.
   */
  private enqueue(claimed: ClaimedTask[]): void {
    this.ready.push(...claimed);
    this.ready.sort((a, b) => b.task.priority - a.task.priority || a.task.runAt.getTime() - b.task.runAt.getTime());
    this.startReady();
  }

  private startReady(): void {
    while (this.running && this.inFlight.size - this.gatedRunning < this.concurrency && this.ready.length > 0) {
      this.start(this.ready.shift() as ClaimedTask);
    }
  }

  private start(entry: ClaimedTask): void {
    if (entry.gated) this.gatedRunning += 1;
    const promise = this.execute(entry, this.shutdownAbort.signal).finally(() => {
      this.inFlight.delete(entry.task.id);
      if (entry.gated) this.gatedRunning -= 1;
      this.startReady();
      // A governed queue's slot is free: it may admit its next task now.
      if (this.lastClaimFilled || entry.gated) this.requestWake();
    });
    this.inFlight.set(entry.task.id, promise);
  }

  /** Resolves when the call (or status check) has ended; its outcome is written in the background. */
  private async execute(claimed: ClaimedTask, signal: AbortSignal): Promise<void> {
    const deadline = this.startDeadlines.get(claimed.task.id);
    if (deadline !== undefined) {
      this.startDeadlines.delete(claimed.task.id);
      if (performance.now() > deadline) return this.handBackLate(claimed.task.id);
    }
    let outcome: AttemptOutcome;
    try {
      outcome = claimed.kind === 'poll' ? await this.checkStatus(claimed, signal) : await this.call(claimed, signal);
    } catch (error) {
      this.logger.error(`Task ${claimed.task.id} attempt crashed: ${(error as Error).message}`);
      return;
    }
    // An attempt cut short by shutdown is not an outcome: release() hands the task back.
    if (signal.aborted) return;
    this.record(claimed, outcome);
  }

  /**
   * EXECUTOR_CONCURRENCY bounds calls in flight, so the slot is free before the outcome is
   * written: holding it through the batched write would leave it idle for a round trip. Until the
   * write lands the task is still `processing` under this worker's lease, so nobody else claims it.
   */
  private record(claimed: ClaimedTask, outcome: AttemptOutcome): void {
    const write = this.completions
      .write(outcome)
      .then((applied) => {
        if (claimed.kind === 'call') this.metrics.recordAttempt(labelOf(outcome));
        if (applied && outcome.completedAt && claimed.task.onCompleteUrl) this.webhooks.notifyPending();
        if (applied && (outcome.status === 'failed' || outcome.status === 'timeout')) {
          logTaskEnding({
            taskId: claimed.task.id,
            queue: claimed.task.queue,
            status: outcome.status,
            httpStatus: outcome.statusCode,
            attempt: claimed.task.attemptCount,
          });
        }
        if (applied && outcome.throttledCount !== undefined) {
          this.metrics.throttled.inc({ team: claimed.task.teamId, queue: claimed.task.queue });
          logTaskThrottled({
            taskId: claimed.task.id,
            queue: claimed.task.queue,
            httpStatus: outcome.statusCode,
            attempt: claimed.task.attemptCount,
            throttledCount: outcome.throttledCount,
          });
        }
      })
      .catch((error: Error) => this.logger.error(`Recording task ${claimed.task.id} failed: ${error.message}`))
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  /** Gathers the calls that missed their start deadline into one hand-back statement. */
  private handBackLate(taskId: string): void {
    this.lateTasks.push(taskId);
    if (this.lateTasks.length > 1) return;
    const write = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => {
        const ids = this.lateTasks;
        this.lateTasks = [];
        return this.store.handBack(this.workerId, ids);
      })
      .then((handedBack) => {
        if (this.debugLogs) this.logger.debug(`Handed back ${handedBack} call(s) that could not start in time`);
      })
      .catch((error: Error) => this.logger.error(`Handing back late calls failed: ${error.message}`))
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }

  private call(claimed: ClaimedTask, signal: AbortSignal): Promise<AttemptOutcome> {
    const { task } = claimed;
    if (this.debugLogs) this.logger.debug(`Dispatching task ${task.id}, attempt ${task.attemptCount}`);
    return this.dispatcher.dispatch(claimed, {
      signal,
      onCallStart: () => this.metrics.dispatchLatency.observe(Math.max(0, Date.now() - task.runAt.getTime()) / 1000),
    });
  }

  private checkStatus(claimed: ClaimedTask, signal: AbortSignal): Promise<AttemptOutcome> {
    if (this.debugLogs) this.logger.debug(`Checking the provider status of task ${claimed.task.id}`);
    this.metrics.statusChecks.inc();
    return this.poller.poll(claimed, signal);
  }

  private async tick(): Promise<void> {
    try {
      // A backlogged worker claims due delayed tasks directly; promoting them first would write
      // every such row twice (and, with several workers, have the promotions queue behind each
      // other's row locks). Promotion catches up once the backlog is gone.
      if (!this.backlogged()) await this.store.promoteDelayed();
      this.gatedQueuesExist = await this.queues.anyGated();
      await this.queues.regateRecentlyChanged();
      const reaped = await this.store.reapExpiredLeases();
      if (reaped > 0) this.logger.warn(`Re-queued ${reaped} task(s) whose worker lost its lease`);
      const expired = await this.store.expireWaits();
      for (const task of expired) {
        logTaskEnding({
          taskId: task.id,
          queue: task.queue,
          status: 'timeout',
          httpStatus: null,
          attempt: task.attemptCount,
        });
      }
      if (expired.length > 0) this.webhooks.notifyPending();
    } catch (error) {
      this.logger.error(`Executor housekeeping failed: ${(error as Error).message}`);
    }
    this.requestWake();
  }

  /** Its last claim came back full while it has calls running: more tasks are due than it runs. */
  private backlogged(): boolean {
    return this.lastClaimFilled && this.inFlight.size > 0;
  }

  private async renewLeases(): Promise<void> {
    if (this.inFlight.size === 0 && this.ready.length === 0) return;
    await this.store
      .renew(this.workerId, [...this.inFlight.keys(), ...this.ready.map((entry) => entry.task.id)])
      .catch((error: Error) => this.logger.error(`Lease renewal failed: ${error.message}`));
  }

  /** How long to sleep with nothing claimable: until the next known due time, at most one poll interval. */
  private async idleDelay(): Promise<number> {
    const at = await this.nextDueAt();
    return at === null ? this.pollIntervalMs : Math.min(Math.max(at - Date.now(), 1), this.pollIntervalMs);
  }

  /**
   * When the earliest runnable task is due (null: none known, or the lookup failed). An answer is
   * reused for NEXT_DUE_TRUST_MS unless its time has passed: that task has been claimed since, or
   * another worker holds it.
   */
  private async nextDueAt(): Promise<number | null> {
    const now = Date.now();
    const remembered = this.nextDue;
    if (
      remembered &&
      now - remembered.lookedUpAt <= NEXT_DUE_TRUST_MS &&
      (remembered.at === null || remembered.at > now)
    ) {
      return remembered.at;
    }
    try {
      const ms = await this.store.msUntilNextDue();
      this.nextDue = { at: ms === null ? null : now + ms, lookedUpAt: now };
      return this.nextDue.at;
    } catch {
      return null;
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
    const all = Promise.all(this.inFlight.values()).then(() => true as const);
    const drained = await Promise.race([all, timeout]);
    clearTimeout(timer);
    return drained;
  }
}
