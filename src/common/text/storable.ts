import { isUtf8 } from 'node:buffer';
import type { JsonValue } from '../json/json-value.js';

/**
 * PostgreSQL's text and jsonb refuse NUL, and jsonb refuses unpaired surrogates. What comes from
 * outside (a target's answer, a provider's status) may hold either, so everything that is stored
 * passes through one of these first. A single unstorable value must never fail the statement
 * that writes it: that statement carries other tasks' outcomes too.
 */

/** A body as it is kept in a result: UTF-8 text, or base64 when the bytes are not text. */
export interface StoredBody {
  body: string;
  bodyEncoding?: 'base64';
}

/**
 * Text when the bytes are UTF-8 without NUL, base64 otherwise: lossless whatever a target sends.
 * A body cut at a size cap may end inside a character; that partial character is dropped first.
 */
export function storableBody(bytes: Buffer, truncated = false): StoredBody {
  const kept = truncated ? withoutPartialCharacter(bytes) : bytes;
  if (isUtf8(kept) && !kept.includes(0)) return { body: kept.toString('utf8') };
  return { body: bytes.toString('base64'), bodyEncoding: 'base64' };
}

/** Messages and notes are for people: unstorable characters become U+FFFD. */
export function storableText(text: string): string {
  return text.toWellFormed().replaceAll('\0', '\uFFFD');
}

/** A JSON value that holds NUL or unpaired surrogates is kept as base64 of its JSON text instead. */
export function storableJson(value: JsonValue): JsonValue {
  if (!holdsUnstorableText(value)) return value;
  return { body: Buffer.from(JSON.stringify(value), 'utf8').toString('base64'), bodyEncoding: 'base64' };
}

function holdsUnstorableText(value: JsonValue): boolean {
  if (typeof value === 'string') return isUnstorable(value);
  if (Array.isArray(value)) return value.some(holdsUnstorableText);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, item]) => isUnstorable(key) || holdsUnstorableText(item));
}

function isUnstorable(text: string): boolean {
  return text.includes('\0') || !text.isWellFormed();
}

/** The bytes up to the last complete UTF-8 sequence (a lead byte whose continuation bytes all arrived). */
function withoutPartialCharacter(bytes: Buffer): Buffer {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}
