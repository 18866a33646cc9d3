import { backoffSeconds } from './retry-policy.js';
import type { RetryBackoff } from '../tasks/rules/task-status.js';

/** SPEC §9: a throttled task waits at most this long, whatever the destination asks. */
export const MAX_THROTTLE_DELAY_SECONDS = 15 * 60;

/** SPEC §9: after this many throttled answers, the next one is handled like a 5xx. */
export const MAX_THROTTLES = 20;

/** Whether an answer throttles rather than answers: a 429, or a 503 that says when to come back. */
export function isThrottling(statusCode: number, headers: Record<string, string>): boolean {
  return statusCode === 429 || (statusCode === 503 && retryAfterHeader(headers) !== undefined);
}

/**
 * Seconds to wait after a throttled answer at `now`: Retry-After as seconds or as an HTTP date;
 * without a readable one, the task's backoff for its nth throttle; never more than 15 minutes.
 */
export function throttleDelaySeconds(
  headers: Record<string, string>,
  now: Date,
  backoff: RetryBackoff,
  throttleNumber: number,
): number {
  const asked = retryAfterSeconds(retryAfterHeader(headers), now);
  const seconds = asked ?? backoffSeconds(backoff, throttleNumber);
  return Math.min(Math.max(seconds, 0), MAX_THROTTLE_DELAY_SECONDS);
}

/** The Retry-After value as seconds from `now`, or undefined when absent or unreadable. */
export function retryAfterSeconds(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - now.getTime()) / 1000);
}

function retryAfterHeader(headers: Record<string, string>): string | undefined {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'retry-after' && value.trim() !== '') return value;
  }
  return undefined;
}
