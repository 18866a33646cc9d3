import { Injectable, type CanActivate } from '@nestjs/common';
import { VaultCryptoService } from './vault-crypto.service.js';
import { VaultError } from './vault.errors.js';

/** Answers 503 before any validation when there is no keyring, so callers learn the real problem. */
@Injectable()
export class VaultConfiguredGuard implements CanActivate {
  constructor(private readonly crypto: VaultCryptoService) {}

  canActivate(): boolean {
    if (!this.crypto.configured) throw new VaultError('NOT_CONFIGURED', 'Token vault is not configured');
    return true;
  }
}
