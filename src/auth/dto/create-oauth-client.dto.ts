import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { trimmed } from '../../common/validation/trimmed.js';
import { SCOPES, type Scope } from '../../common/access/scopes.js';

export class CreateOAuthClientDto {
  /**
   * A label for the client (1–100 characters).
   * @example 'reporting job'
   */
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  @IsNotEmpty({ message: 'name is required' })
  @IsString({ message: 'name must be a string' })
  @Transform(trimmed)
  name: string;

  /**
   * Scopes the client may request: a non-empty subset of tokens:read, tokens:write, tasks:read, tasks:write.
   * @example ["tasks:read", "tasks:write"]
   */
  @IsIn(SCOPES, {
    each: true,
    message: `scopes must only contain ${SCOPES.join(', ')}`,
  })
  @IsString({
    each: true,
    message: `scopes must only contain ${SCOPES.join(', ')}`,
  })
  @ArrayNotEmpty({ message: 'scopes must not be empty' })
  @IsArray({ message: 'scopes must be an array of strings' })
  scopes: Scope[];
}
