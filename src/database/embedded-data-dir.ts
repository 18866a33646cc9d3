import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Where PGlite keeps the embedded database inside DATA_DIR. */
export const EMBEDDED_DATABASE_DIR = 'pgdata';

/** Files that mark a DATA_DIR as ours (the development vault key lives beside the database). */
const OUR_ENTRIES = [EMBEDDED_DATABASE_DIR, 'vault.key'];

const GROUP_AND_OTHER = 0o077;

/**
 * Creates DATA_DIR owner-only (0700), or tightens an existing one that holds our files: the vault
 * key and every row of the embedded database are in there. Returns the paths it was not allowed to
 * change (another user's).
 */
export function ensurePrivateDataDir(dataDir: string): string[] {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (!OUR_ENTRIES.some((entry) => existsSync(join(dataDir, entry)))) return [];
  return restrict(dataDir);
}

/**
 * After PGlite opened DATA_DIR/pgdata: DATA_DIR and everything under pgdata lose their group and
 * other permissions. A umask cannot do this: PGlite's file system layer sets file modes itself
 * (initdb's files come out 0666 whatever the umask). Files written later keep PGlite's modes, but
 * sit in 0700 directories that other users cannot enter.
 */
export function makeEmbeddedDatabasePrivate(dataDir: string): string[] {
  return [...ensurePrivateDataDir(dataDir), ...restrictTree(join(dataDir, EMBEDDED_DATABASE_DIR))];
}

function restrictTree(directory: string): string[] {
  const refused = restrict(directory);
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) refused.push(...restrictTree(path));
    else if (entry.isFile()) refused.push(...restrict(path));
  }
  return refused;
}

function restrict(path: string): string[] {
  const { mode } = lstatSync(path);
  if ((mode & GROUP_AND_OTHER) === 0) return [];
  try {
    chmodSync(path, mode & 0o700);
    return [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPERM') return [path];
    throw error;
  }
}
