import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql.js';
import { Task } from './entities/task.entity.js';

/**
 * Raw SQL over the tasks table that still yields Task entities: the select list aliases every
 * column to its property name, taken from the entity metadata so the two cannot drift apart.
 */
export class TaskRecords {
  readonly columns: string;

  constructor(private readonly db: DataSource) {
    this.columns = db
      .getMetadata(Task)
      .columns.map((column) => `t.${column.databaseName} AS "${column.propertyName}"`)
      .join(', ');
  }

  /** `name` makes it a prepared statement on `pg` (see queryRows). */
  async query(sql: string, params: unknown[] = [], name?: string): Promise<Task[]> {
    const rows = await queryRows<Record<string, unknown>>(this.db, sql, params, name);
    return rows.map((row) => Object.assign(new Task(), row));
  }
}
