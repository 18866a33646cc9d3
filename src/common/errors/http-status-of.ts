import { HttpStatus } from '@nestjs/common';
import type { AppErrorKind } from './app-error.js';

export function httpStatusOf(kind: AppErrorKind): number {
  switch (kind) {
    case 'invalid_request':
      return HttpStatus.BAD_REQUEST;
    case 'unauthenticated':
      return HttpStatus.UNAUTHORIZED;
    case 'forbidden':
      return HttpStatus.FORBIDDEN;
    case 'not_found':
      return HttpStatus.NOT_FOUND;
    case 'conflict':
      return HttpStatus.CONFLICT;
    case 'idempotency_mismatch':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'payload_too_large':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'rate_limited':
      return HttpStatus.TOO_MANY_REQUESTS;
    case 'vault_unavailable':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'internal':
      return HttpStatus.INTERNAL_SERVER_ERROR;
  }
}
