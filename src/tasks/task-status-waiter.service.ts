import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { NotificationListener, TASK_STATUS_CHANNEL } from '../database/notification-listener.service.js';
import { TaskRepository } from './persistence/task.repository.js';

/**
 * A status change whose statement checked task_watches just before this wait registered could
 * commit after the re-read below and so never be announced; re-reading this often bounds how late
 * such a change is seen.
 */
const RECHECK_MS = 1000;
/** How long a watch outlives its wait when the process dies before removing it. */
const WATCH_SLACK_SECONDS = 60;

/**
 * Resolves when a task's status changes (in any process) or the time is up. PostgreSQL announces
 * status changes only for tasks in task_watches (a notification for every claim and completion
 * would make every worker's commit queue on NOTIFY's lock), so each wait registers a watch for its
 * duration. One subscription for the whole process; each notification carries the comma-separated
 * ids of the watched tasks one statement changed.
 */
@Injectable()
export class TaskStatusWaiter implements OnModuleInit, OnModuleDestroy {
  private readonly waiters = new Map<string, Set<() => void>>();
  private unsubscribe: () => void = () => undefined;

  constructor(
    private readonly notifications: NotificationListener,
    private readonly tasks: TaskRepository,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.notifications.on(TASK_STATUS_CHANNEL, (payload) => {
      for (const id of payload.split(',')) {
        for (const wake of this.waiters.get(id) ?? []) wake();
      }
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /**
   * Subscribes and registers the watch first, then lets the caller re-read the task, so a change
   * between the caller's read and the subscription is never missed.
   */
  async waitForChange<T>(taskId: string, timeoutMs: number, reread: () => Promise<T | 'changed'>): Promise<void> {
    let wake: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, timeoutMs);
    const recheck = setInterval(() => {
      reread().then(
        (result) => result === 'changed' && wake(),
        () => undefined,
      );
    }, RECHECK_MS);
    const waiting = this.waiters.get(taskId) ?? new Set<() => void>();
    waiting.add(wake);
    this.waiters.set(taskId, waiting);
    const watchId = randomUUID();
    try {
      await this.watch(taskId, watchId, timeoutMs);
      if ((await reread()) === 'changed') return;
      await changed;
    } finally {
      clearTimeout(timer);
      clearInterval(recheck);
      waiting.delete(wake);
      if (waiting.size === 0) this.waiters.delete(taskId);
      await this.unwatch(taskId, watchId);
    }
  }

  private watch(taskId: string, watchId: string, timeoutMs: number): Promise<void> {
    return this.tasks.watch(taskId, watchId, timeoutMs / 1000 + WATCH_SLACK_SECONDS);
  }

  private async unwatch(taskId: string, watchId: string): Promise<void> {
    await this.tasks.unwatch(taskId, watchId).catch(() => undefined);
  }
}
