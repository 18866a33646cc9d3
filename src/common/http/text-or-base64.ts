import { isUtf8 } from 'node:buffer';

/** A body as a task result holds it: the text itself, or its base64 with `bodyEncoding`. */
export interface EncodedBody {
  body: string;
  bodyEncoding?: 'base64';
}

/**
 * Text when the bytes are valid UTF-8 without NUL, else base64: a JSON string cannot carry
 * arbitrary bytes, and PostgreSQL's jsonb refuses the NUL character.
 */
export function textOrBase64(bytes: Buffer): EncodedBody {
  if (isUtf8(bytes) && !bytes.includes(0)) return { body: bytes.toString('utf8') };
  return { body: bytes.toString('base64'), bodyEncoding: 'base64' };
}
