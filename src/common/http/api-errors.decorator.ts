import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponse } from './dto/error-response.dto.js';

/** The error statuses the API answers, each with what it means wherever it appears. */
const MEANINGS = {
  400: 'Invalid request: the error names the field or the rule',
  401: 'No credential, or an unknown, revoked or expired one',
  403: 'The credential lacks the scope, or an OAuth token was used where only an API key may be',
  404: "Not found (another team's object answers the same)",
  409: 'The object is not in a state that allows this',
  413: 'The body is too large',
  422: 'The Idempotency-Key was used before with a different body',
  429: 'Rate limit exceeded; Retry-After says when to try again',
  503: 'Token vault is not configured (no VAULT_KEYS)',
} as const;

export type ApiErrorStatus = keyof typeof MEANINGS;

/** Documents error answers of a route: the status, what it means, and the `{"error"}` body. */
export const ApiErrors = (...statuses: ApiErrorStatus[]) =>
  applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: MEANINGS[status], type: ErrorResponse })),
  );
