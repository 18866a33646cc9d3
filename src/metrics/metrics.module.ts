import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { QueueDepthMetrics } from './queue-depth.metrics.js';

@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, QueueDepthMetrics],
  exports: [MetricsService],
})
export class MetricsModule {}
