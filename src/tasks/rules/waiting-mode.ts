import type { Task } from '../entities/task.entity.js';
import { pollingLimitSeconds } from './poll-config.js';

/**
 * What a task does after its call succeeds (SPEC §8): poll the job it started, wait for a signal
 * or a provider's callback, or nothing (it is complete).
 */
export function statusAfterSubmit(task: Pick<Task, 'pollConfig' | 'waitForSignal' | 'callbackId'>) {
  if (task.pollConfig) return 'polling' as const;
  if (task.waitForSignal || task.callbackId) return 'waiting' as const;
  return null;
}

/** Seconds the task may stay waiting or polling before it times out. */
export function waitLimitSeconds(task: Pick<Task, 'pollConfig' | 'maxWaitSeconds'>): number {
  return task.pollConfig ? pollingLimitSeconds(task.pollConfig, task.maxWaitSeconds) : task.maxWaitSeconds;
}
