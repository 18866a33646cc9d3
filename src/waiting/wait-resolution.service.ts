import { Injectable } from '@nestjs/common';
import { sha256Hex } from '../auth/credentials/secret-tokens.js';
import { AppError } from '../common/errors/app-error.js';
import type { JsonValue } from '../common/json/json-value.js';
import type { Task } from '../tasks/entities/task.entity.js';
import { TaskRepository } from '../tasks/persistence/task.repository.js';
import { isCallbackId } from '../tasks/rules/callback-url.js';
import { isSignalToken } from '../tasks/rules/signal-token.js';
import { logTaskEnding } from '../tasks/task-ending.log.js';
import type { CallbackResult } from './callback-body.js';
import type { SignalStatus } from './dto/signal.dto.js';

export const INVALID_SIGNAL_TOKEN = 'Invalid or expired signal token';
export const INVALID_CALLBACK_ID = 'Invalid or expired callback ID';

export interface Signal {
  status: SignalStatus;
  result?: JsonValue;
  error?: string;
}

/**
 * Ends waiting tasks from outside (SPEC §8): a signal with its one-time token, or a provider's
 * callback. Of two racing requests exactly one wins (TaskRepository.resolveSignal/resolveCallback);
 * the loser learns why: never issued, used, or out of time (404), or the task is elsewhere (409).
 */
@Injectable()
export class WaitResolutionService {
  constructor(private readonly tasks: TaskRepository) {}

  async signal(token: string, signal: Signal): Promise<Task> {
    if (!isSignalToken(token)) throw new AppError('not_found', INVALID_SIGNAL_TOKEN);
    const hash = sha256Hex(token);
    const hasResult = signal.result !== undefined && signal.result !== null;
    const task = await this.tasks.resolveSignal(hash, {
      status: signal.status,
      result: hasResult ? JSON.stringify(signal.result) : null,
      error: signal.status === 'failed' ? (signal.error ?? 'Failed by signal') : null,
    });
    if (task) {
      if (task.status === 'failed') {
        logTaskEnding({
          taskId: task.id,
          queue: task.queue,
          status: 'failed',
          httpStatus: null,
          attempt: task.attemptCount,
        });
      }
      return task;
    }
    const state = await this.tasks.signalState(hash);
    if (!state || state.used || state.expired) throw new AppError('not_found', INVALID_SIGNAL_TOKEN);
    throw new AppError('conflict', `Task is not in waiting state (current: ${state.status})`);
  }

  /** Completes a waiting or polling task with what the provider posted as its result. Single use. */
  async callback(callbackId: string, result: CallbackResult): Promise<Task> {
    if (!isCallbackId(callbackId)) throw new AppError('not_found', INVALID_CALLBACK_ID);
    const task = await this.tasks.resolveCallback(callbackId, JSON.stringify(result));
    if (task) return task;
    const state = await this.tasks.callbackState(callbackId);
    if (!state || state.used || state.expired) throw new AppError('not_found', INVALID_CALLBACK_ID);
    throw new AppError('conflict', `Task is not in waiting/polling state (current: ${state.status})`);
  }
}
