import { ApiSchema } from '@nestjs/swagger';
import { TaskWriterView } from '../tasks.views.js';

/** A task of a created batch: what POST /v1/tasks answers for it, in one object. */
@ApiSchema({ name: 'BatchTask' })
export class BatchTaskView extends TaskWriterView {
  /** With waitForSignal: the one-time token for POST /v1/signals/{token}. Shown only here. */
  signalToken?: string;
  /** When the task mentions {asyncqueue_callback_url}: what it is replaced with. */
  callbackUrl?: string;
}

export class TaskBatchResponse {
  /** The created tasks, in the order of the request. */
  tasks: BatchTaskView[];
}
