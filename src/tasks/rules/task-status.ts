export const TASK_STATUSES = [
  'pending',
  'delayed',
  'processing',
  'waiting',
  'polling',
  'completed',
  'failed',
  'timeout',
  'cancelled',
] as const;

export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses a task never leaves (but by an explicit retry). */
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'timeout', 'cancelled'];

/** Statuses a task can still leave on its own. */
export const OPEN_STATUSES: readonly TaskStatus[] = ['pending', 'delayed', 'processing', 'waiting', 'polling'];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const RETRY_BACKOFFS = ['exponential', 'linear'] as const;
export type RetryBackoff = (typeof RETRY_BACKOFFS)[number];
