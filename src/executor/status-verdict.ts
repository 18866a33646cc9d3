import { statusText } from './egress.service.js';
import type { OutboundResponse } from './outbound.types.js';
import type { JsonValue } from '../common/json/json-value.js';
import { storableJson, storableText } from '../common/text/storable.js';
import { parseJson, readJsonPath } from '../tasks/rules/json-path.js';
import type { PollConfig } from '../tasks/rules/poll-config.js';

/** What one status check (or the result fetch after it) says about the provider's job. */
export type StatusVerdict =
  | { kind: 'done'; result: JsonValue }
  | { kind: 'failed'; error: string }
  /** Still running, or the check itself hit a passing problem (`note` says which). */
  | { kind: 'running'; note: string | null };

/** Largest result a status check stores; a bigger one is replaced by a note of its size. */
export const MAX_POLL_RESULT_BYTES = 1024 * 1024;

/**
 * 5xx, 408 and 429 are passing problems: the next check tries again. Other non-2xx answers mean
 * the job or its URL is gone, and the task fails. A done job's result is `resultPath` of the
 * status response, or the whole response.
 */
export function judgeStatusResponse(config: PollConfig, response: OutboundResponse): StatusVerdict {
  const problem = httpProblem('Status check', response);
  if (problem) return problem;
  const body = jsonOf(response);
  if (body === undefined) {
    return response.statusCode === 202
      ? { kind: 'running', note: null }
      : { kind: 'failed', error: `Status check answered HTTP ${response.statusCode} without a JSON body` };
  }
  const state = readJsonPath(body, config.statusPath);
  if (config.doneValues.some((value) => value === state)) {
    const result = config.resultPath === undefined ? body : readJsonPath(body, config.resultPath);
    return { kind: 'done', result: bounded((result ?? null) as JsonValue) };
  }
  if (config.failValues.some((value) => value === state)) {
    const reason = config.errorPath === undefined ? undefined : readJsonPath(body, config.errorPath);
    return { kind: 'failed', error: failureMessage(state, reason) };
  }
  return { kind: 'running', note: null };
}

/** The response of `resultUrlTemplate`: its JSON, or its text when it is not JSON. */
export function judgeResultResponse(response: OutboundResponse): StatusVerdict {
  const problem = httpProblem('Result request', response);
  if (problem) return problem;
  const body = jsonOf(response);
  if (body !== undefined) return { kind: 'done', result: bounded(body as JsonValue) };
  const text: JsonValue = response.bodyEncoding
    ? { body: response.body, bodyEncoding: response.bodyEncoding }
    : response.body;
  return { kind: 'done', result: bounded(text) };
}

/** The parsed JSON of an answer, or undefined; a base64-kept body is never JSON (its text is not the answer). */
function jsonOf(response: OutboundResponse): unknown {
  return response.bodyEncoding ? undefined : parseJson(response.body);
}

function httpProblem(what: string, response: OutboundResponse): StatusVerdict | null {
  const { statusCode } = response;
  if (statusCode >= 200 && statusCode < 300) return null;
  const line = `${what} answered HTTP ${statusCode} - ${statusText(statusCode)}`;
  if (statusCode >= 500 || statusCode === 408 || statusCode === 429) return { kind: 'running', note: line };
  return { kind: 'failed', error: line };
}

function failureMessage(state: unknown, reason: unknown): string {
  if (typeof reason === 'string' && reason.length > 0) return truncate(reason);
  if (reason !== undefined && reason !== null) return truncate(JSON.stringify(reason));
  return truncate(`Provider reported status ${JSON.stringify(state)}`);
}

/** A provider's words, made storable (they go into the task's error column). */
function truncate(text: string): string {
  return storableText(text.length > 2000 ? `${text.slice(0, 2000)}…` : text);
}

function bounded(value: JsonValue): JsonValue {
  const result = storableJson(value);
  const bytes = Buffer.byteLength(JSON.stringify(result), 'utf8');
  if (bytes <= MAX_POLL_RESULT_BYTES) return result;
  return {
    resultTooLarge: true,
    bytes,
    message: `The provider's result (${bytes} bytes) exceeds the ${MAX_POLL_RESULT_BYTES}-byte limit; fetch it from the provider`,
  };
}
