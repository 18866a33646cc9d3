import { ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';

/** Limits a string by its UTF-8 size, which is what it costs on the wire and in the database. */
@ValidatorConstraint({ name: 'maxUtf8Bytes' })
export class MaxUtf8Bytes implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments): boolean {
    const [max] = args.constraints as [number];
    return typeof value === 'string' && Buffer.byteLength(value, 'utf8') <= max;
  }
}
