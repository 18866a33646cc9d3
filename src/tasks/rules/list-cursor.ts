/**
 * The keyset cursor of GET /v1/tasks: the position of the last task of a page in the list order
 * (created_at, then id, both descending), opaque to clients. `createdAt` keeps the database's
 * microseconds, so a page never skips or repeats tasks created within the same millisecond.
 */
export interface ListPosition {
  /** UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ` as the list statement writes it. */
  createdAt: string;
  id: string;
}

const CREATED_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const VERSION = 1;

export function encodeCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([VERSION, position.createdAt, position.id])).toString('base64url');
}

/** The position a cursor names, or null when it is not one this service wrote. */
export function decodeCursor(cursor: string): ListPosition | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(decoded) || decoded.length !== 3) return null;
  const [version, createdAt, id] = decoded as unknown[];
  if (version !== VERSION || typeof createdAt !== 'string' || typeof id !== 'string') return null;
  if (!CREATED_AT.test(createdAt) || !isRealInstant(createdAt) || !UUID.test(id)) return null;
  return { createdAt, id };
}

/**
 * Refuses what the pattern lets through but the calendar does not (February 30th, hour 25), and
 * times no task of this service was created at: year 0 is a valid date to JavaScript but out of
 * PostgreSQL's range, which would fail the list statement instead of the request.
 */
function isRealInstant(createdAt: string): boolean {
  const parsed = new Date(createdAt);
  return (
    !Number.isNaN(parsed.getTime()) &&
    parsed.getTime() >= 0 &&
    parsed.toISOString().slice(0, 23) === createdAt.slice(0, 23)
  );
}
