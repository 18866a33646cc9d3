import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { AppError } from '../errors/app-error.js';
import { inspectJson, TOO_DEEP_MESSAGE, unstorableTextMessage } from '../json/json-inspection.js';
import { isObjectPrototypeMember } from './object-prototype.js';
import { holdRawJsonFields } from './raw-json.js';

/**
 * The DTO rules (class-validator), framed by what no DTO rule can see:
 * - before them, JSON too deep for the recursive transformer and validators to survive, and
 *   top-level names of Object.prototype members, which class-transformer skips (or, for
 *   `__proto__`, takes as the instance's prototype) so the unknown-field rule never sees them;
 * - after them, so a field's own rule and wording win, strings PostgreSQL cannot store.
 * Both come from one walk over the parsed body or query.
 */
export class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'body' && metadata.type !== 'query') return super.transform(value, metadata);
    const inspection = inspectJson(value);
    if (inspection.tooDeep) throw new AppError('invalid_request', TOO_DEEP_MESSAGE);
    const hidden = isPlainRecord(value) ? Object.keys(value).find(isObjectPrototypeMember) : undefined;
    if (hidden !== undefined) throw new AppError('invalid_request', `property ${hidden} should not exist`);
    const plain = isPlainRecord(value) && metadata.metatype ? holdRawJsonFields(value, metadata.metatype) : value;
    const transformed: unknown = await super.transform(plain, metadata);
    if (inspection.unstorable) throw new AppError('invalid_request', unstorableTextMessage(inspection.unstorable));
    return transformed;
  }
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
