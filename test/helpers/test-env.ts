/** The only place tests read their own environment. */
export function testDatabaseKind(): 'postgres' | 'pglite' {
  return process.env.TEST_DB === 'pglite' ? 'pglite' : 'postgres';
}

export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://root@127.0.0.1:5432/test';
}
