import { Logger, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfiguration } from '../config/configuration.js';
import { VaultToken } from './entities/vault-token.entity.js';
import { WebhookSecret } from './entities/webhook-secret.entity.js';
import { VaultConfiguredGuard } from './vault-configured.guard.js';
import { VAULT_KEYRING, VaultCryptoService } from './vault-crypto.service.js';
import { OpenedSecretCache } from './opened-secret-cache.js';
import { VaultKeyringCheckService } from './vault-keyring-check.service.js';
import { loadKeyring } from './vault-keyring.js';
import { VaultRotationService } from './vault-rotation.service.js';
import { VaultService } from './vault.service.js';
import { WebhookSecretService } from './webhook-secret.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([VaultToken, WebhookSecret])],
  providers: [
    {
      provide: VAULT_KEYRING,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfiguration, true>) => {
        const { keyring, developmentKeyPath } = loadKeyring(config.get('vault', { infer: true }));
        if (developmentKeyPath) {
          new Logger('Vault').warn(
            `Using the development vault key in ${developmentKeyPath}; set VAULT_KEYS for anything beyond development`,
          );
        } else if (!keyring) {
          new Logger('Vault').warn('VAULT_KEYS is not set: the token vault is not configured');
        }
        return keyring;
      },
    },
    VaultCryptoService,
    OpenedSecretCache,
    VaultService,
    WebhookSecretService,
    VaultRotationService,
    VaultKeyringCheckService,
    VaultConfiguredGuard,
  ],
  exports: [VaultCryptoService, VaultService, WebhookSecretService, VaultRotationService, VaultConfiguredGuard],
})
export class VaultModule {}
