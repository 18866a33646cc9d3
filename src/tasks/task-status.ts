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

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'timeout', 'cancelled'];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const RETRY_BACKOFFS = ['exponential', 'linear'] as const;
export type RetryBackoff = (typeof RETRY_BACKOFFS)[number];
