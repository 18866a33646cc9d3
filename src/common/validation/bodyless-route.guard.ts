import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import { AppError } from '../errors/app-error.js';

const METHODS_WITH_CONTENT = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const READS_THE_BODY = new Set<number>([RouteParamtypes.BODY, RouteParamtypes.RAW_BODY, RouteParamtypes.REQUEST]);

/**
 * SPEC §1 refuses unknown JSON fields. A route whose handler takes no body (cancel, pause, rotate,
 * delete) has no DTO for the validation pipe to hold a body against, so every field it is sent is
 * unknown: no body or `{}` passes, anything else is refused before the handler runs. Applied to
 * every route, so a new body-less command cannot forget it; a handler that reads the request
 * itself (@Req, the OAuth form endpoints and callbacks) checks its own body.
 */
@Injectable()
export class BodylessRouteGuard implements CanActivate {
  private readonly takesNoBody = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (!METHODS_WITH_CONTENT.has(request.method) || !this.handlerTakesNoBody(context)) return true;
    const body: unknown = request.body;
    if (body === undefined || body === null) return true;
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new AppError('invalid_request', 'This endpoint takes no request body');
    }
    const [field] = Object.keys(body);
    if (field !== undefined) throw new AppError('invalid_request', `property ${field} should not exist`);
    return true;
  }

  private handlerTakesNoBody(context: ExecutionContext): boolean {
    const handler = context.getHandler();
    let known = this.takesNoBody.get(handler);
    if (known === undefined) {
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as object;
      known = !Object.keys(args).some((key) => READS_THE_BODY.has(Number(key.split(':')[0])));
      this.takesNoBody.set(handler, known);
    }
    return known;
  }
}
