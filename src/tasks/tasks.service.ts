import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppError } from '../common/errors/app-error.js';
import { isUuid } from '../common/http/ids.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfiguration } from '../config/configuration.js';
import type { CreateTaskDto } from './dto/create-task.dto.js';
import type { ListTasksQuery } from './dto/list-tasks.query.js';
import type { TaskAttempt } from './entities/task-attempt.entity.js';
import type { Task } from './entities/task.entity.js';
import { batchFingerprint, newTaskRow, requestFingerprint, type CheckedTaskRequest } from './new-task-row.js';
import type { NewTaskRow } from './persistence/task-insert.sql.js';
import {
  TaskRepository,
  type IdempotentBatchInsert,
  type IdempotentInsert,
  type TaskPage,
} from './persistence/task.repository.js';
import { decodeCursor, type ListPosition } from './rules/list-cursor.js';
import { callbackUrlOf } from './rules/callback-url.js';
import { newSignalToken } from './rules/signal-token.js';
import { parseNestedTaskBody, placed, withPlace } from './validation/task-body.js';
import { TaskRequestValidator } from './validation/task-request.validator.js';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface CreatedTask {
  task: Task;
  replayed: boolean;
  /** Shown once, on the response that created the task; only its hash is stored. */
  signalToken?: string;
  callbackUrl?: string;
}

export interface CreatedTaskBatch {
  /** In the order of the request. */
  tasks: Omit<CreatedTask, 'replayed'>[];
  replayed: boolean;
}

interface BatchItem {
  dto: CreateTaskDto;
  checked: CheckedTaskRequest;
  row: NewTaskRow;
  signalToken?: string;
}

const TASK_NOT_FOUND = 'Task not found';

/** The API's task operations: validate, build the row, hand it to the repository. */
@Injectable()
export class TasksService {
  private readonly publicBaseUrl: string;

  constructor(
    private readonly tasks: TaskRepository,
    private readonly requests: TaskRequestValidator,
    private readonly clock: Clock,
    config: ConfigService<AppConfiguration, true>,
  ) {
    this.publicBaseUrl = config.get('http', { infer: true }).publicBaseUrl;
  }

  /**
   * One path for every creation: the insert itself requires every referenced vault token to be
   * usable (active, and bound to hosts that admit the task's destinations), so the common case is
   * one shared round trip; only a refused insert pays for finding out which reference was wrong.
   */
  async create(teamId: string, dto: CreateTaskDto, idempotencyKey?: string): Promise<CreatedTask> {
    checkIdempotencyKey(idempotencyKey);
    const checked = this.requests.check(dto);
    const signalToken = dto.waitForSignal ? newSignalToken() : undefined;
    const row = newTaskRow(teamId, dto, checked, signalToken, this.clock.now());
    const fingerprint = idempotencyKey === undefined ? '' : requestFingerprint(dto);
    const inserted =
      idempotencyKey === undefined
        ? insertedOrRefused(await this.tasks.insert(row))
        : await this.tasks.insertIdempotently(row, idempotencyKey, fingerprint);
    const { task, replayed } = await this.settle(row, inserted, fingerprint, () =>
      this.requests.whyReferencesRefused(teamId, dto.headers, checked.credentialHosts),
    );
    return {
      task,
      replayed,
      ...(signalToken && !replayed && { signalToken }),
      ...(task.callbackId && { callbackUrl: callbackUrlOf(this.publicBaseUrl, task.callbackId) }),
    };
  }

  /**
   * Up to 1,000 tasks in one statement, all or none (SPEC §10). Every item is checked first, by
   * the rules and with the messages of a single creation, prefixed with its place (`tasks[3]: `);
   * then one insert requires every vault reference of the batch to be usable.
   */
  async createBatch(teamId: string, bodies: unknown[], idempotencyKey?: string): Promise<CreatedTaskBatch> {
    checkIdempotencyKey(idempotencyKey);
    const now = this.clock.now();
    const items: BatchItem[] = [];
    for (const [index, body] of bodies.entries()) {
      const place = `tasks[${index}]`;
      const dto = await parseNestedTaskBody(body, place);
      const checked = await withPlace(place, () => this.requests.check(dto));
      const signalToken = dto.waitForSignal ? newSignalToken() : undefined;
      items.push({ dto, checked, signalToken, row: newTaskRow(teamId, dto, checked, signalToken, now) });
    }
    const rows = items.map((item) => item.row);
    const fingerprint = idempotencyKey === undefined ? '' : batchFingerprint(items.map((item) => item.dto));
    const inserted: IdempotentBatchInsert =
      idempotencyKey === undefined
        ? batchInsertedOrRefused(await this.tasks.insertAll(rows))
        : await this.tasks.insertAllIdempotently(rows, idempotencyKey, fingerprint);
    switch (inserted.kind) {
      case 'created':
        return {
          tasks: inserted.tasks.map((task, i) => this.createdTask(task, items[i].signalToken)),
          replayed: false,
        };
      case 'claimed':
        if (inserted.requestHash !== fingerprint || inserted.taskIds === null) {
          throw new AppError('idempotency_mismatch', 'Idempotency-Key was already used with a different request');
        }
        return { tasks: await this.replayedBatch(teamId, inserted.taskIds), replayed: true };
      case 'refused':
        throw await this.whyBatchRefused(teamId, items);
    }
  }

  /**
   * The tasks a repeated batch made, in order. A retention under a day can delete some of them
   * while the key is still kept: the answer is then 404, as for a single task, never a shorter
   * list whose positions no longer match the request.
   */
  private async replayedBatch(teamId: string, taskIds: string[]): Promise<Omit<CreatedTask, 'replayed'>[]> {
    const tasks = await this.tasks.findMany(teamId, taskIds);
    if (tasks.length !== taskIds.length) throw new AppError('not_found', TASK_NOT_FOUND);
    return tasks.map((task) => this.createdTask(task));
  }

  private async whyBatchRefused(teamId: string, items: BatchItem[]): Promise<unknown> {
    const refusal = await this.requests.firstRefusedReferences(
      teamId,
      items.map((item) => ({ headers: item.dto.headers, hosts: item.checked.credentialHosts })),
    );
    if (refusal) return placed(`tasks[${refusal.index}]`, refusal.error);
    return new AppError('conflict', 'A vault token this batch references changed while it was created; try again');
  }

  private createdTask(task: Task, signalToken?: string): Omit<CreatedTask, 'replayed'> {
    return {
      task,
      ...(signalToken && { signalToken }),
      ...(task.callbackId && { callbackUrl: callbackUrlOf(this.publicBaseUrl, task.callbackId) }),
    };
  }

  private async settle(
    row: NewTaskRow,
    inserted: IdempotentInsert,
    fingerprint: string,
    whyRefused: () => Promise<AppError>,
  ): Promise<{ task: Task; replayed: boolean }> {
    switch (inserted.kind) {
      case 'created':
        return { task: inserted.task, replayed: false };
      case 'claimed':
        if (inserted.requestHash !== fingerprint) {
          throw new AppError('idempotency_mismatch', 'Idempotency-Key was already used with a different request');
        }
        return { task: await this.get(row.teamId, inserted.taskId), replayed: true };
      case 'refused':
        throw await whyRefused();
    }
  }

  async get(teamId: string, id: string): Promise<Task> {
    const task = isUuid(id) ? await this.tasks.find(teamId, id) : null;
    if (!task) throw new AppError('not_found', TASK_NOT_FOUND);
    return task;
  }

  /** A page of the team's tasks (see TaskRepository.list); a cursor must be one this service wrote. */
  list(teamId: string, query: ListTasksQuery): Promise<TaskPage> {
    let after: ListPosition | undefined;
    if (query.cursor !== undefined) {
      if (query.offset > 0) throw new AppError('invalid_request', 'offset cannot be combined with cursor');
      after = decodeCursor(query.cursor) ?? undefined;
      if (!after) throw new AppError('invalid_request', 'cursor is not valid; use pagination.nextCursor as given');
    }
    return this.tasks.list(
      teamId,
      { status: query.status, queue: query.queue },
      { limit: query.limit, offset: query.offset, after },
    );
  }

  async cancel(teamId: string, id: string): Promise<Task> {
    const task = isUuid(id) ? await this.tasks.cancel(teamId, id, this.clock.now()) : null;
    if (task) return task;
    const current = await this.get(teamId, id);
    throw new AppError('conflict', `Task cannot be cancelled (current: ${current.status})`);
  }

  /** Re-queues a failed or timed-out task with a fresh set of retries; its earlier attempts stay. */
  async retry(teamId: string, id: string): Promise<Task> {
    const task = isUuid(id) ? await this.tasks.retry(teamId, id, this.clock.now()) : null;
    if (task) return task;
    const current = await this.get(teamId, id);
    throw new AppError('conflict', `Task cannot be retried (current: ${current.status})`);
  }

  async attempts(teamId: string, id: string): Promise<TaskAttempt[]> {
    const task = await this.get(teamId, id);
    return this.tasks.attempts(task.id);
  }
}

function batchInsertedOrRefused(tasks: Task[] | null): IdempotentBatchInsert {
  return tasks ? { kind: 'created', tasks } : { kind: 'refused' };
}

function insertedOrRefused(task: Task | null): IdempotentInsert {
  return task ? { kind: 'created', task } : { kind: 'refused' };
}

function checkIdempotencyKey(key: string | undefined): void {
  if (key === undefined) return;
  if (key.length === 0) throw new AppError('invalid_request', 'Idempotency-Key must not be empty');
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new AppError('invalid_request', `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
}
