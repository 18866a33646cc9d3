import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Validate } from 'class-validator';
import { isSendableHeaderValue } from '../../common/http/header-value.js';
import { trimmed } from '../../common/validation/trimmed.js';
import { MaxUtf8Bytes } from '../../common/validation/max-utf8-bytes.validator.js';
import { Satisfies } from '../../common/validation/satisfies.validator.js';
import { allowedHostsProblem } from '../token-destinations.js';

export const MAX_VAULT_VALUE_BYTES = 8 * 1024;

export class CreateVaultTokenDto {
  /**
   * A human-readable label for this credential (trimmed, 1–100 characters).
   * @example 'Example API key'
   */
  @MaxLength(100, { message: 'name must be at most 100 characters' })
  @IsNotEmpty({ message: 'name is required' })
  @IsString({ message: 'name must be a string' })
  @Transform(trimmed)
  name: string;

  /**
   * The raw credential value (at most 8 KiB, only characters an HTTP header value may carry: it is
   * sent as one). It replaces the whole header value, so include any scheme: `Bearer sk-...`.
   * @example 'Bearer sk-example-0123456789abcdef'
   */
  @Satisfies((value) =>
    typeof value === 'string' && !isSendableHeaderValue(value)
      ? 'value must contain only characters allowed in an HTTP header value'
      : null,
  )
  @Matches(/^[^\r\n\0]*$/, {
    message: 'value must not contain CR, LF or NUL characters',
  })
  @Validate(MaxUtf8Bytes, [MAX_VAULT_VALUE_BYTES], {
    message: 'value must be at most 8 KiB',
  })
  @IsNotEmpty({ message: 'value is required' })
  @IsString({ message: 'value must be a string' })
  value: string;

  /**
   * Hosts the value may be sent to (at most 20): exact host names or IP literals, or `*.suffix` for
   * any subdomain of suffix. Without it the token goes to any host the address policy allows.
   * @example ["api.example.com"]
   */
  @IsOptional()
  @Satisfies(allowedHostsProblem)
  allowedHosts?: string[] | null;
}
