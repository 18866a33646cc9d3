import { isSendableHeaderValue } from '../../common/http/header-value.js';
import { isObjectPrototypeMember } from '../../common/validation/object-prototype.js';

export const MAX_HEADERS = 50;
export const MAX_HEADER_VALUE_BYTES = 8 * 1024;
/**
 * Framing headers the executor owns (letting a task set them would allow request smuggling), and
 * the ones undici refuses to send at all.
 */
const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
]);
/** RFC 9110 §5.6.2 token. */
const HTTP_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE_CHARACTERS = /[\r\n\0]/;

/** The first problem with a task's `headers`, in the order given, or null. */
export function headersProblem(headers: unknown): string | null {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
    return 'headers must be an object of strings';
  }
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > MAX_HEADERS) return `headers must have at most ${MAX_HEADERS} entries`;
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    if (!HTTP_TOKEN.test(name)) return `Header name "${printable(name)}" is not a valid HTTP header name`;
    if (isObjectPrototypeMember(name)) return `Header name "${name}" is reserved`;
    const lower = name.toLowerCase();
    if (FORBIDDEN_HEADERS.has(lower)) return `Header "${name}" cannot be set on a task`;
    if (seen.has(lower)) return `Header "${name}" is given more than once`;
    seen.add(lower);
    if (typeof value !== 'string') return `Header "${name}" must have a string value`;
    if (UNSAFE_VALUE_CHARACTERS.test(value)) return `Header "${name}" must not contain CR, LF or NUL characters`;
    if (!isSendableHeaderValue(value)) {
      return `Header "${name}" must contain only characters allowed in an HTTP header value`;
    }
    if (Buffer.byteLength(value, 'utf8') > MAX_HEADER_VALUE_BYTES) return `Header "${name}" must be at most 8 KiB`;
  }
  return null;
}

function printable(name: string): string {
  return name.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}
