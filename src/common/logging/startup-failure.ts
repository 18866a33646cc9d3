/** Socket errors of a database connection that never opened. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
]);
const MAX_LENGTH = 500;

/**
 * Why the service could not start, as one line for an operator: no stack, no colour codes, no
 * second line. Network errors at start-up can only come from the database (the listening socket
 * reports EADDRINUSE or EACCES instead); PostgreSQL's own refusals carry a severity.
 */
export function startupFailureReason(error: unknown): string {
  const message = oneLine(messageOf(error));
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return `cannot reach the database (${message})`;
  if (typeof (error as { severity?: unknown } | null)?.severity === 'string') return `the database refused: ${message}`;
  return message;
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.message) return error.message;
  // Node reports a connection tried on several addresses as an AggregateError without a message.
  const first = (error as { errors?: unknown[] }).errors?.[0];
  if (first instanceof Error && first.message) return first.message;
  return (error as { code?: string }).code ?? error.name;
}

/** Colour codes (which Nest and pg never put in messages, but a driver might) and line breaks go. */
// eslint-disable-next-line no-control-regex
const COLOUR_CODES = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const CONTROL_RUNS = /[\u0000-\u001f\u007f]+/g;

function oneLine(text: string): string {
  const plain = text.replace(COLOUR_CODES, '').replace(CONTROL_RUNS, ' ').trim();
  return plain.length > MAX_LENGTH ? `${plain.slice(0, MAX_LENGTH)}…` : plain;
}
