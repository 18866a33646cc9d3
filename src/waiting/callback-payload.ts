import type { Request } from 'express';
import { AppError } from '../common/errors/app-error.js';
import { inspectJson, TOO_DEEP_MESSAGE } from '../common/json/json-inspection.js';
import type { JsonValue } from '../common/json/json-value.js';
import { parseJson } from './json-path.js';
import { MAX_WAIT_RESULT_BYTES } from './wait-result.js';

const TOO_LARGE = 'Callback body must be at most 1 MiB';

/**
 * What a provider posted: JSON and form bodies as the global parsers read them; anything else read
 * here as text (kept as JSON when it parses), so a provider's result is never lost to its
 * content type. Empty: null.
 */
export async function readCallbackPayload(request: Request): Promise<JsonValue> {
  if (request.is(['json', 'urlencoded'])) {
    const payload = storable((request.body ?? null) as JsonValue);
    if (Buffer.byteLength(JSON.stringify(payload), 'utf8') > MAX_WAIT_RESULT_BYTES) {
      throw new AppError('payload_too_large', TOO_LARGE);
    }
    return payload;
  }
  const text = await readText(request);
  if (text.length === 0) return null;
  const parsed = parseJson(text);
  return storable(parsed === undefined ? text : (parsed as JsonValue));
}

/** The payload becomes the task's jsonb result, which refuses NULs, unpaired surrogates and extreme depth. */
function storable(payload: JsonValue): JsonValue {
  const { tooDeep, unstorable } = inspectJson(payload);
  if (tooDeep) throw new AppError('invalid_request', TOO_DEEP_MESSAGE);
  if (unstorable) throw new AppError('invalid_request', `Callback body must not contain ${unstorable.characters}`);
  return payload;
}

async function readText(request: Request): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > MAX_WAIT_RESULT_BYTES) throw new AppError('payload_too_large', TOO_LARGE);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
