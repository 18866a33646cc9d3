import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { trimmed } from '../../common/validation/trimmed.js';

export class CreateApiKeyDto {
  /**
   * A label to tell keys apart (1–100 characters); defaults to "API key".
   * @example 'CI deploys'
   */
  @IsOptional()
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  @MinLength(1, { message: 'name must not be empty' })
  @IsString({ message: 'name must be a string' })
  @Transform(trimmed)
  name?: string;
}
