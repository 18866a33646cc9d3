import type { DataSource } from 'typeorm';
import { queryRows } from '../../database/sql.js';
import type { Transaction } from '../../database/transaction.js';
import { Task } from '../entities/task.entity.js';

/**
 * Raw SQL over the tasks table that still yields Task entities: the select list aliases every
 * column to its property name, taken from the entity metadata so the two cannot drift apart.
 */
export class TaskRecords {
  readonly columns: string;

  constructor(private readonly db: DataSource) {
    this.columns = this.columnsOf(db.getMetadata(Task).columns.map((column) => column.propertyName as keyof Task));
  }

  /** The select list of just these properties (a hot statement that needs only a few). */
  columnsOf(properties: readonly (keyof Task)[]): string {
    const metadata = this.db.getMetadata(Task);
    return properties
      .map((property) => {
        const column = metadata.findColumnWithPropertyName(property);
        if (!column) throw new Error(`Task has no column for ${property}`);
        return `t.${column.databaseName} AS "${property}"`;
      })
      .join(', ');
  }

  /** `name` makes it a prepared statement on `pg` (see queryRows). */
  async query(sql: string, params: unknown[] = [], name?: string): Promise<Task[]> {
    const rows = await queryRows<Record<string, unknown>>(this.db, sql, params, name);
    return rows.map((row) => Object.assign(new Task(), row));
  }

  /** The same, on an open transaction. */
  async queryIn(tx: Transaction, sql: string, params: unknown[] = []): Promise<Task[]> {
    const rows = await tx.query<Record<string, unknown>>(sql, params);
    return rows.map((row) => Object.assign(new Task(), row));
  }
}
