import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JsonValue } from '../../common/json/json-value.js';
import type { PollConfig } from '../rules/poll-config.js';
import type { HttpMethod, RetryBackoff, TaskStatus } from '../rules/task-status.js';

/** The response of a call. */
export interface CallResult {
  statusCode: number;
  headers: Record<string, string>;
  /** UTF-8 text; base64 when `bodyEncoding` says so (the answer was not text, or held NUL). */
  body: string;
  bodyEncoding?: 'base64';
  duration: number;
}

/**
 * A call's response, or for a task that waited (SPEC §8) whatever ended the wait: a signal's or a
 * callback's JSON, or the result a status check extracted.
 */
export type TaskResult = CallResult | JsonValue;

export type OnCompleteState = 'pending' | 'sending' | 'delivered' | 'failed';

@Entity({ name: 'tasks' })
export class Task {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Column('text')
  status: TaskStatus;

  @Column({ name: 'target_url', type: 'text' })
  targetUrl: string;

  @Column('text')
  method: HttpMethod;

  @Column('jsonb')
  headers: Record<string, string>;

  @Column('text', { nullable: true })
  body: string | null;

  @Column({ name: 'timeout_seconds', type: 'integer' })
  timeoutSeconds: number;

  @Column({ name: 'max_wait_seconds', type: 'integer' })
  maxWaitSeconds: number;

  @Column({ name: 'delay_until', type: 'timestamptz', nullable: true })
  delayUntil: Date | null;

  @Column({ name: 'max_retries', type: 'integer' })
  maxRetries: number;

  @Column({ name: 'retry_backoff', type: 'text' })
  retryBackoff: RetryBackoff;

  @Column('smallint')
  priority: number;

  @Column({ name: 'on_complete_url', type: 'text', nullable: true })
  onCompleteUrl: string | null;

  @Column({ name: 'retry_count', type: 'integer' })
  retryCount: number;

  @Column({ name: 'attempt_count', type: 'integer' })
  attemptCount: number;

  @Column('jsonb', { nullable: true })
  result: TaskResult | null;

  @Column('text', { nullable: true })
  error: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'run_at', type: 'timestamptz' })
  runAt: Date;

  @Column({ name: 'lease_owner', type: 'uuid', nullable: true })
  leaseOwner: string | null;

  @Column({ name: 'lease_token', type: 'integer' })
  leaseToken: number;

  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'on_complete_state', type: 'text', nullable: true })
  onCompleteState: OnCompleteState | null;

  @Column({
    name: 'on_complete_claimed_at',
    type: 'timestamptz',
    nullable: true,
  })
  onCompleteClaimedAt: Date | null;

  @Column({ name: 'on_complete_status_code', type: 'integer', nullable: true })
  onCompleteStatusCode: number | null;

  @Column({ name: 'on_complete_error', type: 'text', nullable: true })
  onCompleteError: string | null;

  @Column({ name: 'on_complete_at', type: 'timestamptz', nullable: true })
  onCompleteAt: Date | null;

  @Column({ name: 'wait_for_signal', type: 'boolean' })
  waitForSignal: boolean;

  @Column({ name: 'signal_token_hash', type: 'text', nullable: true })
  signalTokenHash: string | null;

  @Column({ name: 'callback_id', type: 'text', nullable: true })
  callbackId: string | null;

  @Column({ name: 'callback_received_at', type: 'timestamptz', nullable: true })
  callbackReceivedAt: Date | null;

  @Column('text', { nullable: true })
  provider: string | null;

  @Column({ name: 'poll_config', type: 'jsonb', nullable: true })
  pollConfig: PollConfig | null;

  /** The schedule that made the task (SPEC §10), or null. */
  @Column({ name: 'schedule_id', type: 'uuid', nullable: true })
  scheduleId: string | null;

  /** For a task a schedule made: the due time it was made for. */
  @Column({ name: 'scheduled_for', type: 'timestamptz', nullable: true })
  scheduledFor: Date | null;

  /** While waiting or polling: when the task times out. */
  @Column({ name: 'wait_deadline', type: 'timestamptz', nullable: true })
  waitDeadline: Date | null;

  /** The team's queue the task belongs to (SPEC §9). */
  @Column('text')
  queue: string;

  /** Answers that throttled the task (429, or 503 with Retry-After) without using a retry. */
  @Column({ name: 'throttled_count', type: 'integer' })
  throttledCount: number;

  /** Whether its queue holds tasks back (paused, concurrency, rateLimit): claimed by the gated claim only. */
  @Column('boolean')
  gated: boolean;
}
