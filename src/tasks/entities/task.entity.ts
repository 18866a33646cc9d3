import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HttpMethod, RetryBackoff, TaskStatus } from '../task-status.js';

export interface TaskResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  duration: number;
}

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
}
