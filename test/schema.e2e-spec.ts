import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './helpers/test-database.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const SNAPSHOT = join(import.meta.dirname, 'schema', 'schema.snapshot.txt');
const UPDATE_HINT =
  'If the change is intended, write it in a new migration and run: UPDATE_SCHEMA_SNAPSHOT=1 npm test -- test/schema';

/**
 * The schema is what the migrations make, so a change to it is a new migration, never an edit of a
 * landed one. This test keeps both honest: the schema a fresh database gets from the migrations
 * must equal the committed snapshot, and every entity column must exist in it with its type and
 * nullability (an entity that disagrees with the migrations would fail at run time).
 */
describe('Database schema (e2e)', () => {
  let database: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    app = await startTestApp(database);
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('should be exactly the committed snapshot after the migrations', async () => {
    const schema = await describeSchema(app.db);
    if (process.env.UPDATE_SCHEMA_SNAPSHOT === '1') writeFileSync(SNAPSHOT, schema);
    const committed = readFileSync(SNAPSHOT, 'utf8');
    if (schema !== committed) {
      throw new Error(
        `The migrated schema differs from ${SNAPSHOT}.\n${UPDATE_HINT}\n\n${lineDiff(committed, schema)}`,
      );
    }
  });

  it('should have every entity column in the migrated tables, with its type and nullability', async () => {
    const columns = await app.db.query<{ table_name: string; column_name: string; type: string; nullable: boolean }[]>(
      `SELECT table_name, column_name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable
       FROM information_schema.columns c
       JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_name))::regclass AND a.attname = c.column_name
       WHERE c.table_schema = 'public'`,
    );
    const actual = new Map(columns.map((column) => [`${column.table_name}.${column.column_name}`, column]));
    const problems: string[] = [];
    for (const entity of app.db.entityMetadatas) {
      for (const column of entity.columns) {
        const name = `${entity.tableName}.${column.databaseName}`;
        const found = actual.get(name);
        const expectedType = `${String(column.type)}${column.isArray ? '[]' : ''}`;
        if (!found) problems.push(`${name} is in the entity ${entity.name} but not in the schema`);
        else if (normalisedType(found.type) !== normalisedType(expectedType)) {
          problems.push(`${name} is ${found.type} in the schema but ${expectedType} in the entity`);
        } else if (found.nullable !== column.isNullable) {
          problems.push(`${name} is ${found.nullable ? '' : 'not '}nullable in the schema, not in the entity`);
        }
      }
      for (const [name] of actual) {
        const [table, columnName] = name.split('.');
        if (table === entity.tableName && !entity.columns.some((column) => column.databaseName === columnName)) {
          problems.push(`${name} is in the schema but not in the entity ${entity.name}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

const TYPE_ALIASES: Record<string, string> = {
  'timestamp with time zone': 'timestamptz',
  integer: 'integer',
  int: 'integer',
  int4: 'integer',
  int2: 'smallint',
  bool: 'boolean',
  varchar: 'character varying',
};

function normalisedType(type: string): string {
  const array = type.endsWith('[]');
  const base = array ? type.slice(0, -2) : type;
  return `${TYPE_ALIASES[base] ?? base}${array ? '[]' : ''}`;
}

/** Tables, columns, constraints, indexes, triggers and functions of the public schema, as stable text. */
async function describeSchema(db: DataSource): Promise<string> {
  const sections: [string, string][] = [
    [
      'columns',
      `SELECT c.table_name || '.' || c.column_name || ' ' || format_type(a.atttypid, a.atttypmod)
         || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
         || COALESCE(' DEFAULT ' || c.column_default, '') AS line
       FROM information_schema.columns c
       JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_name))::regclass AND a.attname = c.column_name
       WHERE c.table_schema = 'public' AND c.table_name <> 'migrations'
       ORDER BY c.table_name, c.column_name`,
    ],
    [
      'constraints',
      `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS line
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'migrations'
       ORDER BY 1`,
    ],
    [
      'indexes',
      `SELECT indexdef AS line FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY indexname`,
    ],
    ['triggers', `SELECT pg_get_triggerdef(oid) AS line FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`],
    [
      'functions',
      `SELECT pg_get_functiondef(oid) AS line FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY proname`,
    ],
  ];
  const parts: string[] = [];
  for (const [title, sql] of sections) {
    const rows = await db.query<{ line: string }[]>(sql);
    parts.push(`-- ${title}\n${rows.map((row) => row.line.trimEnd()).join('\n')}\n`);
  }
  return parts.join('\n');
}

function lineDiff(expected: string, actual: string): string {
  const before = new Set(expected.split('\n'));
  const after = new Set(actual.split('\n'));
  const removed = [...before].filter((line) => !after.has(line)).map((line) => `- ${line}`);
  const added = [...after].filter((line) => !before.has(line)).map((line) => `+ ${line}`);
  return [...removed, ...added].join('\n');
}
