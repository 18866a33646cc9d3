import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'schedules' })
export class Schedule {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Column('text')
  cron: string;

  @Column('text')
  timezone: string;

  /** The task body each firing creates, as validated (CreateTaskDto with its defaults). */
  @Column('jsonb')
  task: Record<string, unknown>;

  @Column('boolean')
  paused: boolean;

  /** The next due time; null while paused, or when the cron matches no later time. */
  @Column({ name: 'next_run_at', type: 'timestamptz', nullable: true })
  nextRunAt: Date | null;

  /** The due time of the latest firing. */
  @Column({ name: 'last_run_at', type: 'timestamptz', nullable: true })
  lastRunAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
