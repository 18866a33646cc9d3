/**
 * Task priorities (SPEC: 1–10, higher runs first). Claims read each level in turn, so the range
 * is also what the claim walks; the database holds tasks to it (ck_tasks_priority_range).
 */
export const LOWEST_PRIORITY = 1;
export const HIGHEST_PRIORITY = 10;
export const DEFAULT_PRIORITY = 5;
