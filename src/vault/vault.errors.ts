export type VaultErrorCode =
  'NOT_CONFIGURED' | 'UNKNOWN_KEY' | 'DECRYPTION_FAILED' | 'TOKEN_REVOKED' | 'TOKEN_NOT_FOUND' | 'HOST_NOT_ALLOWED';

/** Raised inside the vault; messages name ids and key ids, never secret material. */
export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}
