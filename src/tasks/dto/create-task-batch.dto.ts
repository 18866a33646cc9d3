import { ApiProperty } from '@nestjs/swagger';
import { RawJson } from '../../common/validation/raw-json.js';
import { Satisfies } from '../../common/validation/satisfies.validator.js';
import { CreateTaskDto } from './create-task.dto.js';

export const MAX_BATCH_TASKS = 1000;
/** A batch may carry 1,000 tasks of some KiB each; a single task's 3 MB would not be enough. */
export const BATCH_REQUEST_BODY_LIMIT = '10mb';

function batchProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'tasks must be an array';
  if (value.length === 0 || value.length > MAX_BATCH_TASKS) {
    return `tasks must hold between 1 and ${MAX_BATCH_TASKS} task bodies`;
  }
  return null;
}

export class CreateTaskBatchDto {
  /**
   * 1 to 1,000 task bodies, each exactly as POST /v1/tasks takes it. Created together or not at
   * all; each item is checked by the same rules as a single task.
   */
  @ApiProperty({ type: () => [CreateTaskDto] })
  @RawJson()
  @Satisfies(batchProblem)
  tasks: unknown[];
}
