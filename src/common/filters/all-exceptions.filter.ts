import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, OAuthProtocolError } from '../errors/app-error.js';
import { httpStatusOf } from '../errors/http-status-of.js';

interface ErrorReply {
  status: number;
  body: Record<string, string>;
  headers?: Record<string, string>;
}

/** Body-parser errors carry a `type`; they reach Nest before any route runs. */
interface BodyParserError {
  type: string;
  status?: number;
}

const INTERNAL_ERROR: ErrorReply = {
  status: 500,
  body: { error: 'Internal server error' },
};

/** Every error leaves as `{"error": "..."}`; a 500 never carries internals and is logged instead. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const reply = this.replyFor(exception, request);
    if (reply === INTERNAL_ERROR) {
      this.logger.error(
        { err: describeForLog(exception), requestId: (request as { id?: unknown }).id },
        'Unhandled error while serving request',
      );
    }
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(reply.headers ?? {})) {
      response.setHeader(name, value);
    }
    response.status(reply.status).json(reply.body);
  }

  private replyFor(exception: unknown, request: Request): ErrorReply {
    if (exception instanceof AppError) {
      if (exception.kind === 'internal') return INTERNAL_ERROR;
      return {
        status: httpStatusOf(exception.kind),
        body: { error: exception.message },
        headers: exception.headers,
      };
    }
    if (exception instanceof OAuthProtocolError) {
      return {
        status: exception.status,
        body: {
          error: exception.code,
          error_description: exception.description,
        },
        headers: {
          'Cache-Control': 'no-store',
          Pragma: 'no-cache',
          ...exception.headers,
        },
      };
    }
    // Nest's Express adapter wraps body-parser failures in an HttpException; the cause says which.
    const cause = exception instanceof HttpException ? exception.cause : exception;
    if (isBodyParserError(cause)) {
      return this.replyForBodyParser(cause);
    }
    if (exception instanceof HttpException) {
      return this.replyForHttpException(exception, request);
    }
    return INTERNAL_ERROR;
  }

  private replyForBodyParser(exception: BodyParserError): ErrorReply {
    switch (exception.type) {
      case 'entity.too.large':
        return { status: 413, body: { error: 'Request body too large' } };
      case 'entity.parse.failed':
        return {
          status: 400,
          body: { error: 'Malformed JSON in request body' },
        };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return {
          status: 415,
          body: { error: 'Unsupported request body encoding' },
        };
      default:
        return { status: 400, body: { error: 'Unreadable request body' } };
    }
  }

  private replyForHttpException(exception: HttpException, request: Request): ErrorReply {
    const status = exception.getStatus();
    if (status === 404 && exception.constructor.name === 'NotFoundException') {
      return {
        status,
        body: { error: `Route ${request.method} ${request.path} not found` },
      };
    }
    if (status >= 500) return INTERNAL_ERROR;
    const payload = exception.getResponse();
    const message =
      typeof payload === 'string'
        ? payload
        : (firstMessage((payload as { message?: unknown }).message) ?? exception.message);
    return { status, body: { error: message } };
  }
}

function firstMessage(message: unknown): string | undefined {
  if (Array.isArray(message)) return typeof message[0] === 'string' ? message[0] : undefined;
  return typeof message === 'string' ? message : undefined;
}

function isBodyParserError(value: unknown): value is BodyParserError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as BodyParserError).type === 'string' &&
    typeof (value as BodyParserError).status === 'number'
  );
}

/**
 * Name, message and stack only: some errors carry more (TypeORM's QueryFailedError keeps the
 * query parameters), and parameters are where request values live.
 */
function describeForLog(exception: unknown): Record<string, unknown> {
  if (!(exception instanceof Error)) return { message: String(exception) };
  return { type: exception.name, message: exception.message, stack: exception.stack };
}
