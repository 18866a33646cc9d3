import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { TASK_DUE_CHANNEL } from '../database/notification-listener.service.js';
import { queryRows } from '../database/sql.js';

/**
 * Tells idle workers (in any process) that a new task is due, for creations whose statement does
 * not (idempotent ones, one statement per request). Requests that arrive while a notification is
 * being sent are folded into the next one, so a burst of creations costs a handful of NOTIFYs
 * instead of one per task, and creations never wait on the NOTIFY lock.
 */
@Injectable()
export class TaskWakeNotifier {
  private readonly logger = new Logger(TaskWakeNotifier.name);
  private sending = false;
  private requested = false;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  taskBecameDue(): void {
    this.requested = true;
    if (!this.sending) void this.send();
  }

  private async send(): Promise<void> {
    this.sending = true;
    while (this.requested) {
      this.requested = false;
      try {
        await queryRows(this.db, `SELECT pg_notify($1, '')`, [TASK_DUE_CHANNEL], 'aq_notify_due');
      } catch (error) {
        // Workers also poll; a lost wake-up costs at most one poll interval.
        this.logger.warn(`Could not notify workers: ${(error as Error).message}`);
      }
    }
    this.sending = false;
  }
}
