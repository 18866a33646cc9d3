import { Inject, Injectable } from '@nestjs/common';
import { Logger, PARAMS_PROVIDER_TOKEN, PinoLogger, type Params } from 'nestjs-pino';

/**
 * Nest's own start-up narration (modules initialised, every route mapped, "application started"):
 * useful when debugging the framework, noise to an operator, so it is written at debug.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);
/**
 * Nest reports a failed start-up (a module that could not be created, a port already in use)
 * under these contexts, with its stack; main.ts reports the same error as one readable line and
 * exits, so these copies are for debugging only.
 */
const STARTUP_FAILURE_CONTEXTS = new Set(['ExceptionHandler', 'NestApplication']);

/** The application logger: nestjs-pino's, with the framework's chatter moved to debug. */
@Injectable()
export class AppLogger extends Logger {
  constructor(logger: PinoLogger, @Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    super(logger, params);
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    if (FRAMEWORK_CONTEXTS.has(contextOf(optionalParams))) return super.debug(message, ...optionalParams);
    super.log(message, ...optionalParams);
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    if (STARTUP_FAILURE_CONTEXTS.has(contextOf(optionalParams))) return super.debug(message, ...optionalParams);
    super.error(message, ...optionalParams);
  }
}

/** Nest passes the context as the last parameter. */
function contextOf(optionalParams: unknown[]): string {
  const last = optionalParams.at(-1);
  return typeof last === 'string' ? last : '';
}
