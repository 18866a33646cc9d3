import { PollConfigView } from '../tasks/tasks.views.js';

/** A built-in polling template a task can name as `provider`. */
export class ProviderView {
  /** @example 'replicate' */
  id: string;
  name: string;
  description: string;
  /** The pollConfig the template stands for. */
  pollConfig: PollConfigView;
}

export class ProviderListResponse {
  providers: ProviderView[];
}
