import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const LOCK_FILE = 'asyncqueue.pid';

/** Another live process holds the embedded database. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(`DATA_DIR ${dataDir} is in use by process ${pid}; stop it, or use DATABASE_URL to share a database`);
    this.name = 'DataDirInUseError';
  }
}

/**
 * The embedded database is one PostgreSQL in one process: a second process on the same files
 * (a server, or the CLI beside a running server) would write where the first does not look, and
 * the two would silently diverge. A lock file naming the owner, created exclusively, keeps it to
 * one process; it is removed on exit, and a lock left by a process that died (crash, SIGKILL) is
 * taken over. The owner is its pid and, where /proc tells it, the pid's start time: after a
 * container restart the same pid may belong to another process, which must not look like the owner.
 */
export function lockDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    if (tryCreate(path)) {
      process.once('exit', () => releaseIfOurs(path));
      return;
    }
    const holder = ownerOf(path);
    if (holder && sameOwner(holder, SELF)) return;
    if (holder && isRunning(holder)) throw new DataDirInUseError(dataDir, holder.pid);
    // Left behind by a process that is gone (or half-written by one starting right now): retry.
    removeQuietly(path);
  }
  throw new DataDirInUseError(dataDir, ownerOf(path)?.pid ?? 0);
}

interface Owner {
  pid: number;
  /** Start time of the pid in clock ticks since boot (Linux), or null where unknown. */
  startTime: string | null;
}

const SELF: Owner = { pid: process.pid, startTime: startTimeOf(process.pid) };

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${SELF.pid} ${SELF.startTime ?? '-'}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

function ownerOf(path: string): Owner | null {
  try {
    const [pidText, startTime] = readFileSync(path, 'utf8').trim().split(' ');
    const pid = Number.parseInt(pidText, 10);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return { pid, startTime: startTime && startTime !== '-' ? startTime : null };
  } catch {
    return null;
  }
}

function sameOwner(a: Owner, b: Owner): boolean {
  return a.pid === b.pid && (a.startTime === null || b.startTime === null || a.startTime === b.startTime);
}

function isRunning(owner: Owner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else, which still means it runs.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return sameOwner(owner, { pid: owner.pid, startTime: startTimeOf(owner.pid) });
}

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces and parentheses. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function releaseIfOurs(path: string): void {
  const holder = ownerOf(path);
  if (holder && sameOwner(holder, SELF)) removeQuietly(path);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Start-up entry for the server and the CLI: on the embedded database, lock it or exit with one line. */
export function lockEmbeddedDataDirOrExit(database: { url: string | undefined; dataDir: string }): void {
  if (database.url) return;
  try {
    lockDataDir(database.dataDir);
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
