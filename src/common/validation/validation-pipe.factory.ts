import type { ValidationError } from '@nestjs/common';
import { AppError } from '../errors/app-error.js';
import { RequestValidationPipe } from './request-validation.pipe.js';

/**
 * whitelist + forbidNonWhitelisted reject unknown fields (`property x should not exist`); a
 * missing field always reads `<field> is required`, whatever other rule it also breaks. A field
 * whose transform yields undefined (NullMeansDefault, RawJson) keeps its class default.
 */
export function createValidationPipe(): RequestValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { exposeUnsetFields: false },
    stopAtFirstError: true,
    exceptionFactory: (errors) => new AppError('invalid_request', firstValidationMessage(errors)),
  });
}

function firstValidationMessage(errors: ValidationError[], parentPath = ''): string {
  const [error] = errors;
  if (!error) return 'Invalid request body';
  const path = parentPath ? `${parentPath}.${error.property}` : error.property;
  const constraints = error.constraints ?? {};
  if (constraints.whitelistValidation) return constraints.whitelistValidation;
  if (error.children?.length && !Object.keys(constraints).length) {
    return firstValidationMessage(error.children, path);
  }
  if (error.value === undefined || error.value === null) return `${path} is required`;
  return Object.values(constraints)[0] ?? `${path} is invalid`;
}
