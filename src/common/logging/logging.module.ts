import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { SerializedRequest } from 'pino';
import type { AppConfiguration } from '../../config/configuration.js';
import { redactRequestUrl } from './redact-url.js';
import { assignRequestId, RequestIdMiddleware } from './request-id.js';

/**
 * Credentials and bodies are removed by pino's redaction, so no code path has to remember to
 * strip them: request bodies may carry vault values, headers carry keys and tokens.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'req.body',
  'res.headers["set-cookie"]',
];

/**
 * The request as every log line shows it: the target with query values and secret path segments
 * redacted, and without pino's `query` and `params`, which would repeat them unredacted.
 */
function serializeRequest(req: SerializedRequest): Record<string, unknown> {
  return {
    id: req.id,
    method: req.method,
    url: redactRequestUrl(req.url),
    headers: req.headers,
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  };
}

/** Access logs are written at `info`; at a higher level pino-http would only cost time per request. */
const ACCESS_LOG_LEVELS = ['info', 'debug', 'trace'];

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfiguration, true>) => {
        const { level } = config.get('logging', { infer: true });
        return {
          pinoHttp: {
            level,
            redact: { paths: REDACTED_PATHS, remove: true },
            serializers: { req: serializeRequest },
            genReqId: assignRequestId,
            customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
            quietReqLogger: true,
          },
          // pino-http builds two child loggers (serialising the request) for every request.
          ...(ACCESS_LOG_LEVELS.includes(level) ? {} : { forRoutes: [] }),
        };
      },
    }),
  ],
})
export class LoggingModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestIdMiddleware).forRoutes('*');
  }
}
