/**
 * A claimed task is leased to its worker: valid this long without a renewal, renewed this often
 * while its call or status check runs. A worker that stops renewing (crash, kill, partition) loses
 * the lease and the task runs again (at-least-once delivery, SPEC §7).
 */
export const LEASE_MS = 15_000;
export const LEASE_RENEW_MS = 5_000;
