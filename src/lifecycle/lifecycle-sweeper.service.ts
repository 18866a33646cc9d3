import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { OAuthTokensService } from '../auth/oauth-tokens.service.js';
import type { AppConfiguration, LifecycleConfiguration } from '../config/configuration.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { TaskRepository } from '../tasks/persistence/task.repository.js';
import { SweepLock } from './sweep-lock.js';
import { InterruptibleSleep } from '../common/time/interruptible-sleep.js';

/** Rows per statement: small enough that each statement's transaction and locks stay short. */
export const SWEEP_BATCH = 1000;
/** After each full batch the sweeper rests this many times as long as the batch took. */
const REST_PER_WORK = 3;
/** Completed and cancelled tasks keep their callback id and signal token hash this long, so a late duplicate still gets 409. */
export const WAIT_SECRETS_GRACE_MS = 60 * 60 * 1000;

export interface SweepReport {
  finishedTasks: number;
  waitSecrets: number;
  idempotencyKeys: number;
  accessTokens: number;
}

type Sweep = { kind: keyof SweepReport; step: (limit: number) => Promise<number> };
type Batch = { n: number; last: string | null };

/**
 * A sweep step that starts each batch where the previous one of the pass ended (see
 * task-sweeps.sql.ts); a new pass starts again from the beginning.
 */
function fromWhereItEnded(run: (limit: number, after: string) => Promise<Batch>): (limit: number) => Promise<number> {
  let after = '-infinity';
  return async (limit) => {
    const batch = await run(limit, after);
    if (batch.last !== null) after = batch.last;
    return batch.n;
  };
}

/**
 * The data lifecycle of SPEC §11, in every worker process (WORKER_ENABLED), one of them at a time
 * (SweepLock): every SWEEP_INTERVAL_SECONDS (at most a minute) a pass deletes finished tasks past
 * TASK_RETENTION_DAYS with their attempts, clears the wait secrets of ended tasks, and deletes
 * idempotency keys past 24 hours and OAuth access tokens a day after they expired. Each sweep runs
 * batch after batch until one comes back short, and rests between batches three times as long as
 * the last one took, so a large backlog takes at most a quarter of a connection's time (and of the
 * database's) from claims and creates.
 */
@Injectable()
export class LifecycleSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LifecycleSweeper.name);
  private readonly config: LifecycleConfiguration;
  private readonly lock: SweepLock;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<unknown> | null = null;
  private readonly pause = new InterruptibleSleep();
  private readonly swept: Counter<'kind'>;

  constructor(
    private readonly tasks: TaskRepository,
    private readonly accessTokens: OAuthTokensService,
    @InjectDataSource() db: DataSource,
    config: ConfigService<AppConfiguration, true>,
    metrics: MetricsService,
  ) {
    this.swept = new Counter({
      name: 'asyncqueue_lifecycle_swept_total',
      help: 'Rows the lifecycle sweeps of this process removed (or, for waitSecrets, cleared), by kind',
      labelNames: ['kind'],
      registers: [metrics.registry],
    });
    this.config = config.get('lifecycle', { infer: true });
    this.lock = new SweepLock(db, config.get('database', { infer: true }).url === undefined);
  }

  onApplicationBootstrap(): void {
    this.running = true;
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.pause.interrupt();
    await this.pass;
  }

  /** One pass of every sweep; null when another process is sweeping. */
  sweepOnce(): Promise<SweepReport | null> {
    return this.lock.withLock(async () => {
      const report: SweepReport = { finishedTasks: 0, waitSecrets: 0, idempotencyKeys: 0, accessTokens: 0 };
      for (const sweep of this.sweeps()) report[sweep.kind] = await this.drain(sweep);
      return report;
    });
  }

  private sweeps(): Sweep[] {
    const retentionMs = this.config.taskRetentionMs;
    const sweeps: Sweep[] = [
      {
        kind: 'waitSecrets',
        step: fromWhereItEnded((limit, after) => this.tasks.clearWaitSecrets(WAIT_SECRETS_GRACE_MS, limit, after)),
      },
      {
        kind: 'idempotencyKeys',
        step: fromWhereItEnded((limit, after) => this.tasks.deleteExpiredIdempotencyKeys(limit, after)),
      },
      { kind: 'accessTokens', step: fromWhereItEnded((limit, after) => this.accessTokens.deleteExpired(limit, after)) },
    ];
    if (retentionMs === null) return sweeps;
    const finished = fromWhereItEnded((limit, after) => this.tasks.deleteFinished(retentionMs, limit, after));
    return [{ kind: 'finishedTasks', step: finished }, ...sweeps];
  }

  private async drain(sweep: Sweep): Promise<number> {
    let total = 0;
    for (;;) {
      const started = Date.now();
      const removed = await sweep.step(SWEEP_BATCH);
      total += removed;
      this.swept.inc({ kind: sweep.kind }, removed);
      if (removed < SWEEP_BATCH || !this.running) return total;
      await this.pause.sleep((Date.now() - started) * REST_PER_WORK);
    }
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.pass = this.sweepOnce()
        .then((report) => {
          if (report) this.logger.debug(`Lifecycle sweep: ${JSON.stringify(report)}`);
        })
        .catch((error: Error) => this.logger.error(`Lifecycle sweep failed: ${error.message}`))
        .finally(() => this.schedule());
    }, this.config.sweepIntervalMs);
  }
}
