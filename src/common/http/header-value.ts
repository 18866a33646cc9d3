/**
 * What undici (like Node's http) accepts as a header value: HTAB, SP, visible ASCII and obs-text
 * 0x80–0xFF (RFC 9110 §5.5; undici's `headerCharRegex`, checked when a request is dispatched).
 * A string goes on the wire as Latin-1, so nothing above U+00FF can be sent at all.
 */
const UNSENDABLE = /[^\t\x20-\x7e\x80-\xff]/;

export function isSendableHeaderValue(value: string): boolean {
  return !UNSENDABLE.test(value);
}
