import type { RetryBackoff } from '../tasks/rules/task-status.js';

/** Seconds to wait before retry number `retry` (1-based): exponential 1, 2, 4, 8…; linear 1, 2, 3…. */
export function backoffSeconds(strategy: RetryBackoff, retry: number): number {
  switch (strategy) {
    case 'exponential':
      return 2 ** (retry - 1);
    case 'linear':
      return retry;
  }
}
