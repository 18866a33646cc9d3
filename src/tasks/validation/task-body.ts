import { AppError } from '../../common/errors/app-error.js';
import { createValidationPipe } from '../../common/validation/validation-pipe.factory.js';
import { CreateTaskDto } from '../dto/create-task.dto.js';

/**
 * The request pipe of POST /v1/tasks, for task bodies nested in other requests (a batch's items, a
 * schedule's task): the same DTO, the same rules and the same messages, so a rule is never
 * written twice.
 */
const pipe = createValidationPipe();

/**
 * A task body nested at `place` (`tasks[3]`, `task`) as a checked CreateTaskDto. A refusal names
 * the place first: `tasks[3]: priority must be between 1 and 10`.
 */
export async function parseNestedTaskBody(value: unknown, place: string): Promise<CreateTaskDto> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('invalid_request', `${place} must be an object`);
  }
  const dto = await withPlace(place, () => pipe.transform(value, { type: 'body', metatype: CreateTaskDto, data: '' }));
  return dto as CreateTaskDto;
}

/** Runs a check of the task at `place`; a 400 it raises names the place first. */
export async function withPlace<T>(place: string, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    throw placed(place, error);
  }
}

/** A 400 about a nested task, prefixed with where it sits; any other error as it is. */
export function placed(place: string, error: unknown): unknown {
  if (!(error instanceof AppError) || error.kind !== 'invalid_request') return error;
  return new AppError('invalid_request', `${place}: ${error.message}`, error.headers);
}
