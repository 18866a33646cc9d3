import type { TransformFnParams } from 'class-transformer';

/** class-transformer hook: trims strings and leaves every other type for the validators to refuse. */
export function trimmed({ value }: TransformFnParams): unknown {
  return typeof value === 'string' ? value.trim() : value;
}
