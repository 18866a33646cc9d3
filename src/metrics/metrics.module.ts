import { Global, Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { HttpMetricsMiddleware, HttpRequestMetrics } from './http-request.metrics.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';

/** One Prometheus registry per application; every module adds its own collectors to it. */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, HttpRequestMetrics],
  exports: [MetricsService],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
