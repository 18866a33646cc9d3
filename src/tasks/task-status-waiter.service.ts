import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { NotificationListener, TASK_STATUS_CHANNEL } from '../database/notification-listener.service.js';

/**
 * Resolves when a task's status changes (in any process) or the time is up, with no polling.
 * One subscription for the whole process; each notification carries the comma-separated ids of
 * the tasks one statement changed.
 */
@Injectable()
export class TaskStatusWaiter implements OnModuleInit, OnModuleDestroy {
  private readonly waiters = new Map<string, Set<() => void>>();
  private unsubscribe: () => void = () => undefined;

  constructor(private readonly notifications: NotificationListener) {}

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
   * Subscribes first, then lets the caller re-read the task, so a change between the caller's read
   * and the subscription is never missed.
   */
  async waitForChange<T>(taskId: string, timeoutMs: number, reread: () => Promise<T | 'changed'>): Promise<void> {
    let wake: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    const timer = setTimeout(wake, timeoutMs);
    const waiting = this.waiters.get(taskId) ?? new Set<() => void>();
    waiting.add(wake);
    this.waiters.set(taskId, waiting);
    try {
      if ((await reread()) === 'changed') return;
      await changed;
    } finally {
      clearTimeout(timer);
      waiting.delete(wake);
      if (waiting.size === 0) this.waiters.delete(taskId);
    }
  }
}
