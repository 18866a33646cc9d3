import { ApiProperty } from '@nestjs/swagger';
import type { TaskWriterView } from '../tasks.views.js';

/** A task of a created batch: what POST /v1/tasks answers for it, in one object. */
export type BatchTaskView = TaskWriterView & {
  /** With waitForSignal: the one-time token for POST /v1/signals/{token}. Shown only here. */
  signalToken?: string;
  /** When the task mentions {asyncqueue_callback_url}: what it is replaced with. */
  callbackUrl?: string;
};

export class TaskBatchResponse {
  /**
   * The created tasks, in the order of the request: each the task object of GET /v1/tasks/{id}
   * (with callbackId), plus `signalToken` (waitForSignal; shown only here) and `callbackUrl` (the
   * task mentions {asyncqueue_callback_url}) where they apply.
   */
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  tasks: BatchTaskView[];
}
