import type { Request } from 'express';
import { OAuthProtocolError } from '../../common/errors/app-error.js';
import { inspectJson, TOO_DEEP_MESSAGE, unstorableCharactersIn } from '../../common/json/json-inspection.js';

/** The parameters these endpoints read (RFC 6749 §4.4 and §2.3.1, RFC 7009, RFC 7662); others are ignored (§3.2). */
const PARAMETERS = ['grant_type', 'scope', 'client_id', 'client_secret', 'token', 'token_type_hint'] as const;

/**
 * RFC 6749 §3.2: each parameter at most once, as a string. A JSON body may carry numbers,
 * arrays or objects where strings belong, and a form body repeats a key as an array; both are
 * `invalid_request` here, before anything reads them.
 */
export function checkOAuthParameters(request: Request): void {
  const problem = oauthParametersProblem(request.body);
  if (problem) throw new OAuthProtocolError('invalid_request', problem, 400);
}

export function oauthParametersProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  if (inspectJson(body).tooDeep) return TOO_DEEP_MESSAGE;
  const parameters = body as Record<string, unknown>;
  for (const name of PARAMETERS) {
    if (!Object.prototype.hasOwnProperty.call(parameters, name)) continue;
    const value = parameters[name];
    if (typeof value !== 'string') return `${name} must be a single string`;
    const characters = unstorableCharactersIn(value);
    if (characters) return `${name} must not contain ${characters}`;
  }
  return null;
}
