import { Module } from '@nestjs/common';
import { VaultController } from './vault.controller.js';
import { VaultModule } from './vault.module.js';
import { WebhookSecretController } from './webhook-secret.controller.js';

@Module({
  imports: [VaultModule],
  controllers: [VaultController, WebhookSecretController],
})
export class VaultApiModule {}
