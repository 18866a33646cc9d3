import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Status notifications only for tasks someone is long-polling. NOTIFY takes a database-wide lock
 * at commit, held through the WAL flush, so a notification for every claim and completion batch
 * made the workers' statements wait on each other (and the API parse ids nobody waited for).
 * A long-poll registers its task in task_watches for as long as it waits; the trigger joins the
 * changed rows with it and, in the common case of nobody waiting, sends nothing.
 */
export class NotifyWatchedTasksOnly1764230400005 implements MigrationInterface {
  name = 'NotifyWatchedTasksOnly1764230400005';

  async up(db: QueryRunner): Promise<void> {
    // No foreign key: a watch outlives nothing but its request, and expires_at bounds what a
    // crashed API process leaves behind.
    await db.query(`
      CREATE TABLE task_watches (
        task_id uuid NOT NULL,
        watch_id uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (task_id, watch_id)
      )`);
    await db.query(notifyFunction(true));
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(notifyFunction(false));
    await db.query(`DROP TABLE task_watches`);
  }
}

/** The status trigger's function: announcing only watched tasks, or (before this migration) all. */
function notifyFunction(watchedOnly: boolean): string {
  return `
    CREATE OR REPLACE FUNCTION aq_notify_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      ids text;
    BEGIN
      IF ${watchedOnly ? 'EXISTS (SELECT 1 FROM task_watches)' : 'true'} THEN
        FOR ids IN
          SELECT string_agg(id, ',') FROM (
            SELECT n.id::text AS id, (row_number() OVER () - 1) / 150 AS chunk
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.status IS DISTINCT FROM o.status
              ${watchedOnly ? 'AND EXISTS (SELECT 1 FROM task_watches w WHERE w.task_id = n.id)' : ''}) changed
          GROUP BY chunk
        LOOP
          PERFORM pg_notify('aq_task_status', ids);
        END LOOP;
      END IF;
      IF EXISTS (
        SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status = 'pending' AND o.status IS DISTINCT FROM 'pending' AND n.run_at <= now()) THEN
        PERFORM pg_notify('aq_task_due', '');
      END IF;
      RETURN NULL;
    END $$`;
}
