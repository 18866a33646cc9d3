import type { DataSource, EntityManager } from 'typeorm';
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
      .columns.map(
        (column) => `t.${column.databaseName} AS "${column.propertyName}"`,
      )
      .join(', ');
  }

  async query(
    sql: string,
    params: unknown[] = [],
    manager?: EntityManager,
  ): Promise<Task[]> {
    const rows = await queryRows<Record<string, unknown>>(
      manager ?? this.db,
      sql,
      params,
    );
    return rows.map((row) => Object.assign(new Task(), row));
  }
}
