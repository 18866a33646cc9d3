import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../common/errors/app-error.js';
import { storableBody, type StoredBody } from '../common/text/storable.js';
import { MAX_WAIT_RESULT_BYTES } from './wait-result.js';

/** Where providers post; the controller and the body reader in front of the parsers share it. */
export const CALLBACKS_PATH = 'v1/callbacks';

const TOO_LARGE = 'Callback body must be at most 1 MiB';

/** A callback ends its task with the shape a call's result has, so `result.body` reads alike. */
export type CallbackResult = StoredBody & {
  statusCode: 200;
  headers: Record<string, string>;
  duration: 0;
};

/**
 * Express middleware mounted on CALLBACKS_PATH ahead of the global JSON and form parsers: it reads
 * the body as bytes whatever its content type, so the result keeps what the provider sent and not
 * a re-serialisation of it (the parsers then skip the finished request).
 */
export function readCallbackBody(request: Request, _response: Response, next: NextFunction): void {
  readBytes(request).then((bytes) => {
    request.body = bytes;
    next();
  }, next);
}

/** The task result for the body readCallbackBody kept. */
export function callbackResultOf(request: Request): CallbackResult {
  if (!Buffer.isBuffer(request.body)) throw new Error('The callback body was not read before the parsers');
  return { statusCode: 200, headers: {}, ...storableBody(request.body), duration: 0 };
}

async function readBytes(request: Request): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > MAX_WAIT_RESULT_BYTES) throw new AppError('payload_too_large', TOO_LARGE);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
