import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'task_attempts' })
export class TaskAttempt {
  @PrimaryColumn({ name: 'task_id', type: 'uuid' })
  taskId: string;

  @PrimaryColumn('integer')
  number: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode: number | null;

  @Column('text', { nullable: true })
  error: string | null;
}
