/** A dotted path into JSON: `output.0.url` reads key `output`, index 0, key `url`. */
const SEGMENT = /^[A-Za-z0-9_$-]+$/;

export function jsonPathProblem(field: string, path: unknown): string | null {
  if (typeof path !== 'string' || path.length === 0) return `${field} must be a non-empty string`;
  if (path.length > 200) return `${field} must be at most 200 characters`;
  if (!path.split('.').every((segment) => SEGMENT.test(segment))) {
    return `${field} must be a dotted path such as "data.status" or "output.0.url"`;
  }
  return null;
}

/** The value at `path`, or undefined when any step is missing. */
export function readJsonPath(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      current = current[Number(segment)];
    } else if (current !== null && typeof current === 'object' && Object.hasOwn(current, segment)) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** JSON text to a value, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
