import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module.js';
import { VaultModule } from '../vault/vault.module.js';
import { CompletionWebhookService } from './completion-webhook.service.js';
import { EgressService } from './egress.service.js';
import { ExecutorMetrics } from './executor.metrics.js';
import { ExecutorService } from './executor.service.js';
import { TaskDispatcher } from './task-dispatcher.service.js';
import { TaskLeaseStore } from './task-lease.store.js';
import { TaskPoller } from './task-poller.service.js';

/** The worker role (WORKER_ENABLED): claims due tasks, makes their calls and checks on polling tasks. */
@Module({
  imports: [TasksModule, VaultModule],
  providers: [
    EgressService,
    TaskLeaseStore,
    TaskDispatcher,
    TaskPoller,
    CompletionWebhookService,
    ExecutorMetrics,
    ExecutorService,
  ],
  exports: [ExecutorService],
})
export class ExecutorModule {}
