import { stdTimeFunctions, type DestinationStream, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat } from '../../config/configuration.js';

export interface LogOutput {
  options: LoggerOptions;
  /** Where lines go; undefined: pino's own stdout destination. */
  stream?: DestinationStream;
}

/**
 * JSON lines with a level name and an ISO time, for log collectors; or readable lines for a
 * person at a terminal (`auto` picks that when stdout is one). Colour only on a terminal, so a
 * redirected `LOG_FORMAT=pretty` file holds no escape codes.
 */
export function logOutput(
  format: LogFormat,
  stdoutIsTerminal: boolean,
  destination: NodeJS.WritableStream | number = 1,
): LogOutput {
  if (format === 'json' || (format === 'auto' && !stdoutIsTerminal)) {
    return {
      options: {
        formatters: { level: (label) => ({ level: label }) },
        timestamp: stdTimeFunctions.isoTime,
      },
    };
  }
  return {
    options: {},
    stream: pretty({
      destination,
      colorize: stdoutIsTerminal,
      // Synchronous like pino's own stdout destination: the last lines before an exit are kept.
      sync: true,
      singleLine: true,
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
      // The access line's message already says method, path, status and time.
      ignore: 'pid,hostname,context,req,res,responseTime',
      messageFormat: '{if context}[{context}] {end}{msg}',
    }),
  };
}
