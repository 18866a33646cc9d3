import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';

/**
 * A property rule written as a plain function returning the problem (or null); the returned
 * sentence is the error message, so one function is both the check and its wording.
 */
export function Satisfies(problem: (value: unknown) => string | null, options?: ValidationOptions) {
  return (target: object, propertyName: string) => {
    registerDecorator({
      name: 'satisfies',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) => problem(value) === null,
        defaultMessage: (args?: ValidationArguments) => problem(args?.value) ?? `${propertyName} is invalid`,
      },
    });
  };
}
