export const MAX_URL_LENGTH = 2048;
/**
 * The WHATWG parser drops tabs and newlines anywhere and trims leading and trailing spaces and
 * controls, so a URL holding them would be stored as one thing and called as another.
 */
const WHITESPACE_OR_CONTROL = /[\s\p{Cc}]/u;

/**
 * Syntax rules shared by targetUrl and onCompleteUrl. Returns the problem, or null when fine.
 * The WHATWG parser normalises every IPv4 spelling (`0x7f.1`, `2130706433`) to dotted form, so
 * the address policy sees the real address.
 */
export function urlProblem(field: string, value: unknown): string | null {
  if (typeof value !== 'string') return `${field} must be a string`;
  if (value.length > MAX_URL_LENGTH) return `${field} must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field} must be a valid http or https URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${field} must be a valid http or https URL`;
  const spacing = whitespaceProblem(field, value);
  if (spacing) return spacing;
  if (url.username || url.password) return `${field} must not contain credentials`;
  if (!url.hostname) return `${field} must be a valid http or https URL`;
  if (url.port === '0') return `${field} must not use port 0`;
  return null;
}

/** Shared with URL templates, whose placeholders keep them from being parsed as URLs here. */
export function whitespaceProblem(field: string, value: string): string | null {
  return WHITESPACE_OR_CONTROL.test(value) ? `${field} must not contain whitespace or control characters` : null;
}
