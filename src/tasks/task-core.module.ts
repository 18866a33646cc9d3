import { Module } from '@nestjs/common';
import { QueueRepository } from './persistence/queue.repository.js';
import { TaskRepository } from './persistence/task.repository.js';
import { QueueMetrics } from './queue.metrics.js';
import { TaskDepthMetrics } from './task-depth.metrics.js';

/**
 * The task core: the repository every task statement goes through, the queue-depth gauge and the
 * per-queue gauges.
 * No routes and no services of the API, so a worker that imports it builds only what it uses.
 */
@Module({
  providers: [TaskRepository, QueueRepository, TaskDepthMetrics, QueueMetrics],
  exports: [TaskRepository, QueueRepository],
})
export class TaskCoreModule {}
