import { AppError, type AppErrorKind } from '../common/errors/app-error.js';

export type VaultErrorCode =
  'NOT_CONFIGURED' | 'UNKNOWN_KEY' | 'DECRYPTION_FAILED' | 'TOKEN_REVOKED' | 'TOKEN_NOT_FOUND' | 'HOST_NOT_ALLOWED';

/**
 * Raised inside the vault; messages name ids and key ids, never secret material. Each code says
 * what kind of failure it is for a caller of the API, so the exception filter needs no vault
 * knowledge: a stored secret that cannot be opened is the service's fault (a 500 whose message
 * stays in the log).
 */
export class VaultError extends AppError {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(kindOf(code), message);
    this.name = 'VaultError';
  }
}

function kindOf(code: VaultErrorCode): AppErrorKind {
  switch (code) {
    case 'NOT_CONFIGURED':
      return 'vault_unavailable';
    case 'TOKEN_NOT_FOUND':
      return 'not_found';
    case 'TOKEN_REVOKED':
    case 'HOST_NOT_ALLOWED':
      return 'invalid_request';
    case 'UNKNOWN_KEY':
    case 'DECRYPTION_FAILED':
      return 'internal';
  }
}
