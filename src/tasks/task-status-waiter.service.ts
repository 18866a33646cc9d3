import { Injectable } from '@nestjs/common';
import { NotificationListener, TASK_STATUS_CHANNEL } from '../database/notification-listener.service.js';

/** Resolves when a task's status changes (in any process) or the time is up, with no polling. */
@Injectable()
export class TaskStatusWaiter {
  constructor(private readonly notifications: NotificationListener) {}

  /**
   * Subscribes first, then lets the caller re-read the task, so a change between the caller's read
   * and the subscription is never missed.
   */
  async waitForChange<T>(taskId: string, timeoutMs: number, reread: () => Promise<T | 'changed'>): Promise<void> {
    let release: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const unsubscribe = this.notifications.on(TASK_STATUS_CHANNEL, (payload) => {
        if (payload === taskId) resolve();
      });
      release = () => {
        clearTimeout(timer);
        unsubscribe();
      };
    });
    try {
      if ((await reread()) === 'changed') return;
      await changed;
    } finally {
      release();
    }
  }
}
