import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import type { JsonValue } from '../../common/json/json-value.js';
import { RawJson } from '../../common/validation/raw-json.js';
import { Satisfies } from '../../common/validation/satisfies.validator.js';
import { MAX_WAIT_RESULT_BYTES } from '../wait-result.js';

export const SIGNAL_STATUSES = ['completed', 'failed'] as const;
export type SignalStatus = (typeof SIGNAL_STATUSES)[number];

export class SignalDto {
  /**
   * How the task ends.
   * @example 'completed'
   */
  @IsIn(SIGNAL_STATUSES, { message: `status must be one of ${SIGNAL_STATUSES.join(', ')}` })
  status: SignalStatus;

  /**
   * Any JSON (at most 1 MiB); it replaces the submit call's response as the task's result.
   * @example {"url": "https://example.com/output.png"}
   */
  @IsOptional()
  @RawJson()
  @Satisfies((value) =>
    Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') > MAX_WAIT_RESULT_BYTES
      ? 'result must be at most 1 MiB of JSON'
      : null,
  )
  result?: JsonValue;

  /** Why the task failed (with status `failed`). */
  @IsOptional()
  @MaxLength(2000, { message: 'error must be at most 2000 characters' })
  @IsString({ message: 'error must be a string' })
  error?: string;
}
