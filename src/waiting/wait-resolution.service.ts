import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sha256Hex } from '../auth/credentials/secret-tokens.js';
import { AppError } from '../common/errors/app-error.js';
import type { JsonValue } from '../common/json/json-value.js';
import { queryRows } from '../database/sql.js';
import type { Task } from '../tasks/entities/task.entity.js';
import { TaskRecords } from '../tasks/task-records.js';
import type { CallbackResult } from './callback-body.js';
import { isCallbackId } from './callback-url.js';
import type { SignalStatus } from './dto/signal.dto.js';
import { isSignalToken } from './signal-token.js';

export const INVALID_SIGNAL_TOKEN = 'Invalid or expired signal token';
export const INVALID_CALLBACK_ID = 'Invalid or expired callback ID';

export interface Signal {
  status: SignalStatus;
  result?: JsonValue;
  error?: string;
}

/** Why a token matched no waiting task: never issued, used, or out of time (404), or the task is elsewhere (409). */
interface WaitState {
  status: string;
  used: boolean;
  expired: boolean;
}

/**
 * Ends waiting tasks from outside (SPEC §8): a signal with its one-time token, or a provider's
 * callback. Each ending is one conditional UPDATE, so of two racing requests exactly one wins;
 * it also queues the completion webhook. A status check in flight loses its fenced write.
 */
@Injectable()
export class WaitResolutionService {
  private readonly records: TaskRecords;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.records = new TaskRecords(db);
  }

  async signal(token: string, signal: Signal): Promise<Task> {
    if (!isSignalToken(token)) throw new AppError('not_found', INVALID_SIGNAL_TOKEN);
    const hash = sha256Hex(token);
    const hasResult = signal.result !== undefined && signal.result !== null;
    const [task] = await this.records.query(
      `UPDATE tasks t SET status = $2, signal_token_hash = NULL, completed_at = now(),
         result = CASE WHEN $3 THEN $4::jsonb ELSE t.result END, error = $5,
         on_complete_state = CASE WHEN t.on_complete_url IS NULL THEN t.on_complete_state ELSE 'pending' END
       WHERE t.signal_token_hash = $1 AND t.status = 'waiting' AND t.wait_deadline > now()
       RETURNING ${this.records.columns}`,
      [
        hash,
        signal.status,
        hasResult,
        hasResult ? JSON.stringify(signal.result) : null,
        signal.status === 'failed' ? (signal.error ?? 'Failed by signal') : null,
      ],
    );
    if (task) return task;
    const state = await this.stateOf(
      `SELECT status, false AS used, (status = 'timeout' OR (status = 'waiting' AND wait_deadline <= now())) AS expired
       FROM tasks WHERE signal_token_hash = $1`,
      hash,
    );
    if (!state || state.used || state.expired) throw new AppError('not_found', INVALID_SIGNAL_TOKEN);
    throw new AppError('conflict', `Task is not in waiting state (current: ${state.status})`);
  }

  /** Completes a waiting or polling task with what the provider posted as its result. Single use. */
  async callback(callbackId: string, result: CallbackResult): Promise<Task> {
    if (!isCallbackId(callbackId)) throw new AppError('not_found', INVALID_CALLBACK_ID);
    const [task] = await this.records.query(
      `UPDATE tasks t SET status = 'completed', result = $2::jsonb, error = NULL, completed_at = now(),
         callback_received_at = now(), lease_owner = NULL, lease_expires_at = NULL,
         on_complete_state = CASE WHEN t.on_complete_url IS NULL THEN t.on_complete_state ELSE 'pending' END
       WHERE t.callback_id = $1 AND t.callback_received_at IS NULL AND t.status IN ('waiting', 'polling')
         AND t.wait_deadline > now()
       RETURNING ${this.records.columns}`,
      [callbackId, JSON.stringify(result)],
    );
    if (task) return task;
    const state = await this.stateOf(
      `SELECT status, callback_received_at IS NOT NULL AS used,
         (status = 'timeout' OR (status IN ('waiting', 'polling') AND wait_deadline <= now())) AS expired
       FROM tasks WHERE callback_id = $1`,
      callbackId,
    );
    if (!state || state.used || state.expired) throw new AppError('not_found', INVALID_CALLBACK_ID);
    throw new AppError('conflict', `Task is not in waiting/polling state (current: ${state.status})`);
  }

  private async stateOf(sql: string, key: string): Promise<WaitState | undefined> {
    const [state] = await queryRows<WaitState>(this.db, sql, [key]);
    return state;
  }
}
