import { Transform } from 'class-transformer';

/** `null` reads as "not given", so the field keeps its class default (the pipe does not set undefined). */
export function NullMeansDefault(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => value ?? undefined);
}
