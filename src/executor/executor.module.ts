import { Module } from '@nestjs/common';
import { TaskCoreModule } from '../tasks/task-core.module.js';
import { VaultModule } from '../vault/vault.module.js';
import { CompletionWebhookService } from './completion-webhook.service.js';
import { EgressService } from './egress.service.js';
import { ExecutorMetrics } from './executor.metrics.js';
import { ExecutorService } from './executor.service.js';
import { TaskDispatcher } from './task-dispatcher.service.js';
import { TaskPoller } from './task-poller.service.js';

/** The worker role (WORKER_ENABLED): claims due tasks, makes their calls and checks on polling tasks. */
@Module({
  imports: [TaskCoreModule, VaultModule],
  providers: [EgressService, TaskDispatcher, TaskPoller, CompletionWebhookService, ExecutorMetrics, ExecutorService],
  exports: [ExecutorService],
})
export class ExecutorModule {}
