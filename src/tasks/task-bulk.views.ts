/** POST /v1/tasks/cancel. */
export class BulkCancelResponse {
  /** Tasks the filter matched that were pending or delayed when the change reached them. @example 120 */
  matched: number;
  /** Tasks cancelled: `matched` less any a worker claimed first (0 on a dryRun). @example 120 */
  cancelled: number;
}

/** POST /v1/tasks/retry. */
export class BulkRetryResponse {
  /** Tasks the filter matched that were failed or timed out when the change reached them. @example 37 */
  matched: number;
  /** Tasks queued again (0 on a dryRun). @example 37 */
  retried: number;
}
