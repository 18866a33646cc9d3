import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ScheduleRepository } from './persistence/schedule.repository.js';
import { FIRING_BATCH, ScheduleFirer } from './schedule-firer.service.js';
import { InterruptibleSleep } from '../common/time/interruptible-sleep.js';

/** Schedules created or changed elsewhere are seen within this long. */
const IDLE_POLL_MS = 1000;
/** A schedule that is due but locked is being fired by another process; look again shortly. */
const LOCKED_RECHECK_MS = 25;

/**
 * The firing loop of a worker process (WORKER_ENABLED). Every worker runs it: each sleeps until the
 * earliest due time (by the database's clock) and races the others for it, so a killed process costs no firing and none is
 * made twice (see ScheduleFirer). Firing is left to workers because a task made with no worker
 * running would wait anyway, and an API-only process stays a pure request server.
 */
@Injectable()
export class ScheduleLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduleLoop.name);
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly pause = new InterruptibleSleep();

  constructor(
    private readonly firer: ScheduleFirer,
    private readonly schedules: ScheduleRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.running = true;
    this.loop = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.pause.interrupt();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) await this.pause.sleep(await this.fireAndPlan());
  }

  /** Fires what is due; returns how long to sleep before the next look. */
  private async fireAndPlan(): Promise<number> {
    try {
      const { fired, claimed } = await this.firer.fireDue();
      for (const task of fired) {
        this.logger.debug(`Schedule ${task.scheduleId} made task ${task.taskId} for ${task.dueAt.toISOString()}`);
      }
      if (claimed === FIRING_BATCH) return 0;
      const wait = await this.schedules.msUntilNextDue();
      if (wait === null) return IDLE_POLL_MS;
      return wait > 0 ? Math.min(Math.ceil(wait), IDLE_POLL_MS) : LOCKED_RECHECK_MS;
    } catch (error) {
      this.logger.error(`Firing schedules failed: ${(error as Error).message}`);
      return IDLE_POLL_MS;
    }
  }
}
