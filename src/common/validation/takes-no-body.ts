import { applyDecorators, Injectable, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../errors/app-error.js';
import { ApiErrors } from '../http/api-errors.decorator.js';

/**
 * SPEC §1 refuses unknown JSON fields. A command that takes no body (cancel, pause, rotate) has no
 * DTO for the validation pipe to hold a body against, so every field it is sent is unknown: no
 * body or `{}` passes, anything else is refused before the command runs.
 */
@Injectable()
export class EmptyBodyGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const body: unknown = context.switchToHttp().getRequest<Request>().body;
    if (body === undefined || body === null) return true;
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new AppError('invalid_request', 'This endpoint takes no request body');
    }
    const [field] = Object.keys(body);
    if (field !== undefined) throw new AppError('invalid_request', `property ${field} should not exist`);
    return true;
  }
}

/** Marks a route that takes no request body (and documents the 400 a body gets). */
export const TakesNoBody = (): MethodDecorator & ClassDecorator =>
  applyDecorators(UseGuards(EmptyBodyGuard), ApiErrors(400));
