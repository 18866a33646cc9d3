export const REDACTED = '[redacted]';

/** A signal token or a callback id follows these segments, and either one ends a task (SPEC §8). */
const SECRET_PARENT_SEGMENTS = new Set(['signals', 'callbacks']);

/** Longer query keys may be a credential sent as a bare key (`?aq_live_...`), so they go too. */
const LOGGABLE_QUERY_KEY = /^[A-Za-z0-9_.[\]-]{1,32}$/;

/**
 * A request target as a log line may show it: every query value is replaced, and so is every path
 * segment after a `signals` or `callbacks` segment (in any case or percent-encoding, wherever it
 * sits, so a mistyped route does not leak its token either). Query keys stay, so the line still
 * says what was asked: `/v1/tasks?status=[redacted]`, `/v1/signals/[redacted]`.
 */
export function redactRequestUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return redactPath(url);
  return `${redactPath(url.slice(0, queryStart))}?${redactQuery(url.slice(queryStart + 1))}`;
}

function redactPath(path: string): string {
  const segments = path.split('/');
  const parent = segments.findIndex((segment) => SECRET_PARENT_SEGMENTS.has(decoded(segment).toLowerCase()));
  if (parent === -1) return path;
  return segments.map((segment, index) => (index > parent && segment !== '' ? REDACTED : segment)).join('/');
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      if (pair === '') return pair;
      const equals = pair.indexOf('=');
      const key = equals === -1 ? pair : pair.slice(0, equals);
      return equals !== -1 && LOGGABLE_QUERY_KEY.test(key) ? `${key}=${REDACTED}` : REDACTED;
    })
    .join('&');
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
