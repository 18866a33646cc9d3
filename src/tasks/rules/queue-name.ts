/** SPEC §9: a queue's name. */
export const QUEUE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const DEFAULT_QUEUE = 'default';

/** Why `value` cannot name a queue, as the error sentence for `field`; null when it can. */
export function queueNameProblem(field: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${field} must be a string`;
  if (!QUEUE_NAME_PATTERN.test(value)) {
    return `${field} must be 1 to 64 lowercase letters, digits, "_" or "-", starting with a letter or digit`;
  }
  return null;
}
