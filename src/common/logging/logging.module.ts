import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { SerializedRequest } from 'pino';
import type { Options as HttpLoggerOptions } from 'pino-http';
import type { AppConfiguration } from '../../config/configuration.js';
import { AppLogger } from './app-logger.js';
import { logOutput } from './log-output.js';
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

/** The access line's message: `GET /v1/tasks?status=[redacted] 200 3ms`, readable in either format. */
function accessLine(request: IncomingMessage, response: ServerResponse, responseTime?: number): string {
  const target = (request as IncomingMessage & { originalUrl?: string }).originalUrl ?? request.url ?? '';
  const line = `${request.method} ${redactRequestUrl(target)} ${response.statusCode}`;
  return responseTime === undefined ? line : `${line} ${responseTime}ms`;
}

/** Access logs are written at `info`; at a higher level pino-http would only cost time per request. */
const ACCESS_LOG_LEVELS = ['info', 'debug', 'trace'];

@Module({
  providers: [AppLogger],
  exports: [AppLogger],
  imports: [
    LoggerModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<AppConfiguration, true>) => {
        const { level, format } = config.get('logging', { infer: true });
        const output = logOutput(format, process.stdout.isTTY === true);
        const options: HttpLoggerOptions = {
          ...output.options,
          level,
          redact: { paths: REDACTED_PATHS, remove: true },
          serializers: { req: serializeRequest },
          genReqId: assignRequestId,
          customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
          customSuccessMessage: accessLine,
          customErrorMessage: (request, response) => accessLine(request, response),
          quietReqLogger: true,
        };
        return {
          pinoHttp: output.stream ? [options, output.stream] : options,
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
