import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sha256Hex } from '../auth/credentials/secret-tokens.js';
import { AppError } from '../common/errors/app-error.js';
import type { AppConfiguration } from '../config/configuration.js';
import { isUuid, newId } from '../common/http/ids.js';
import { Clock } from '../common/time/clock.js';
import { queryRows } from '../database/sql.js';
import type { CreateTaskDto } from './dto/create-task.dto.js';
import type { ListTasksQuery } from './dto/list-tasks.query.js';
import { TaskAttempt } from './entities/task-attempt.entity.js';
import type { Task } from './entities/task.entity.js';
import { insertTasksFromJson, TaskInsertBatcher, type NewTaskRow } from './task-insert-batcher.service.js';
import { TaskRecords } from './task-records.js';
import { TaskWakeNotifier } from './task-wake-notifier.service.js';
import { credentialHostsOf } from './validation/credential-hosts.js';
import { TaskRequestValidator } from './validation/task-request.validator.js';
import { callbackUrlOf, mentionsCallbackUrl, newCallbackId } from '../waiting/callback-url.js';
import { normalisePollConfig, type PollConfig } from '../waiting/poll-config.js';
import { providerTemplate } from '../waiting/provider-templates.js';
import { newSignalToken } from '../waiting/signal-token.js';
import { entriesAdmitting } from '../vault/token-destinations.js';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

export interface CreatedTask {
  task: Task;
  replayed: boolean;
  /** Shown once, on the response that created the task; only its hash is stored. */
  signalToken?: string;
  callbackUrl?: string;
}

export interface TaskPage {
  tasks: Task[];
  total: number;
}

const TASK_NOT_FOUND = 'Task not found';

@Injectable()
export class TasksService {
  private readonly records: TaskRecords;
  private readonly publicBaseUrl: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly requests: TaskRequestValidator,
    private readonly wake: TaskWakeNotifier,
    private readonly inserts: TaskInsertBatcher,
    private readonly clock: Clock,
    config: ConfigService<AppConfiguration, true>,
  ) {
    this.records = new TaskRecords(db);
    this.publicBaseUrl = config.get('http', { infer: true }).publicBaseUrl;
  }

  async create(teamId: string, dto: CreateTaskDto, idempotencyKey?: string): Promise<CreatedTask> {
    this.checkIdempotencyKey(idempotencyKey);
    const tokenIds = this.requests.checkWithoutQuery(dto);
    const pollConfig = pollConfigOf(dto);
    const credentialHosts = tokenIds.length > 0 ? credentialHostsOf(dto.targetUrl, pollConfig) : [];
    const signalToken = dto.waitForSignal ? newSignalToken() : undefined;
    const row = this.newRow(teamId, dto, pollConfig, tokenIds, credentialHosts, signalToken);
    // The plain insert wakes the workers itself (TaskInsertBatcher); the idempotent one does not.
    const created = idempotencyKey
      ? await this.requests
          .checkVaultReferences(teamId, dto.headers, credentialHosts)
          .then(() => this.createIdempotently(teamId, idempotencyKey, requestFingerprint(dto), row))
      : await this.insertIfReferencesUsable(teamId, dto, row, credentialHosts);
    if (idempotencyKey && !created.replayed && created.task.status === 'pending') this.wake.taskBecameDue();
    return {
      ...created,
      ...(signalToken && !created.replayed && { signalToken }),
      ...(created.task.callbackId && { callbackUrl: callbackUrlOf(this.publicBaseUrl, created.task.callbackId) }),
    };
  }

  private newRow(
    teamId: string,
    dto: CreateTaskDto,
    pollConfig: PollConfig | null,
    tokenIds: string[],
    credentialHosts: string[],
    signalToken?: string,
  ): NewTaskRow {
    const now = this.clock.now();
    const delayUntil = dto.delayUntil ? new Date(dto.delayUntil) : null;
    const delayed = delayUntil !== null && delayUntil > now;
    return {
      id: newId(),
      teamId,
      status: delayed ? 'delayed' : 'pending',
      targetUrl: dto.targetUrl,
      method: dto.method,
      headers: dto.headers,
      body: dto.body ?? null,
      timeoutSeconds: dto.timeout,
      maxWaitSeconds: dto.maxWaitTime,
      delayUntil,
      maxRetries: dto.maxRetries,
      retryBackoff: dto.retryBackoff,
      priority: dto.priority,
      onCompleteUrl: dto.onCompleteUrl ?? null,
      createdAt: now,
      runAt: delayed ? delayUntil : now,
      waitForSignal: dto.waitForSignal,
      signalTokenHash: signalToken ? sha256Hex(signalToken) : null,
      callbackId: mentionsCallbackUrl(dto) ? newCallbackId() : null,
      provider: dto.provider ?? null,
      pollConfig,
      tokenIds,
      tokenDestinations: credentialHosts.map(entriesAdmitting),
    };
  }

  /**
   * The common case in one shared round trip: the insert itself requires every referenced vault
   * token to be active for the team and, when bound, to admit the task's hosts; only a refused
   * insert pays for finding out which reference was wrong.
   */
  private async insertIfReferencesUsable(
    teamId: string,
    dto: CreateTaskDto,
    row: NewTaskRow,
    credentialHosts: string[],
  ): Promise<CreatedTask> {
    const task = await this.inserts.insert(row);
    if (task) return { task, replayed: false };
    await this.requests.checkVaultReferences(teamId, dto.headers, credentialHosts);
    throw new Error('Task insert refused although every vault reference is usable');
  }

  /**
   * One statement claims the key and inserts the task, so two concurrent requests with one key
   * create one task. A key older than 24 h is taken over by the new request.
   */
  private async createIdempotently(
    teamId: string,
    key: string,
    fingerprint: string,
    row: NewTaskRow,
  ): Promise<CreatedTask> {
    const [task] = await this.records.query(
      `WITH claimed AS (
         INSERT INTO idempotency_keys AS k (team_id, key, request_hash, task_id, created_at)
         VALUES ($2, $3, $4, $5, $6)
         ON CONFLICT (team_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, task_id = EXCLUDED.task_id, created_at = EXCLUDED.created_at
           WHERE k.created_at < EXCLUDED.created_at - interval '24 hours'
         RETURNING task_id)
       ${insertTasksFromJson('$1')} WHERE EXISTS (SELECT 1 FROM claimed) RETURNING ${this.records.columns}`,
      [JSON.stringify([row]), teamId, key, fingerprint, row.id, row.createdAt],
    );
    if (task) return { task, replayed: false };
    const [existing] = await queryRows<{
      request_hash: string;
      task_id: string;
    }>(this.db, `SELECT request_hash, task_id FROM idempotency_keys WHERE team_id = $1 AND key = $2`, [teamId, key]);
    if (!existing || existing.request_hash !== fingerprint) {
      throw new AppError('idempotency_mismatch', 'Idempotency-Key was already used with a different request');
    }
    return { task: await this.get(teamId, existing.task_id), replayed: true };
  }

  async get(teamId: string, id: string): Promise<Task> {
    const task = await this.find(teamId, id);
    if (!task) throw new AppError('not_found', TASK_NOT_FOUND);
    return task;
  }

  async find(teamId: string, id: string): Promise<Task | null> {
    if (!isUuid(id)) return null;
    const [task] = await this.records.query(
      `SELECT ${this.records.columns} FROM tasks t WHERE t.id = $1 AND t.team_id = $2`,
      [id, teamId],
    );
    return task ?? null;
  }

  async list(teamId: string, query: ListTasksQuery): Promise<TaskPage> {
    const params: unknown[] = [teamId];
    let where = 't.team_id = $1';
    if (query.status) {
      params.push(query.status);
      where += ' AND t.status = $2';
    }
    const [tasks, [{ total }]] = await Promise.all([
      this.records.query(
        `SELECT ${this.records.columns} FROM tasks t WHERE ${where}
         ORDER BY t.created_at DESC, t.id DESC LIMIT ${query.limit} OFFSET ${query.offset}`,
        params,
      ),
      queryRows<{ total: number }>(this.db, `SELECT count(*)::int AS total FROM tasks t WHERE ${where}`, params),
    ]);
    return { tasks, total };
  }

  /** Atomic against a worker's claim: the row lock decides, and the loser sees the new status. */
  async cancel(teamId: string, id: string): Promise<Task> {
    if (!isUuid(id)) throw new AppError('not_found', TASK_NOT_FOUND);
    const [task] = await this.records.query(
      `UPDATE tasks t SET status = 'cancelled', completed_at = $3, lease_owner = NULL, lease_expires_at = NULL,
         on_complete_state = CASE WHEN t.on_complete_url IS NULL THEN NULL ELSE 'pending' END
       WHERE t.id = $1 AND t.team_id = $2 AND t.status IN ('pending', 'delayed')
       RETURNING ${this.records.columns}`,
      [id, teamId, this.clock.now()],
    );
    if (task) return task;
    const current = await this.get(teamId, id);
    throw new AppError('conflict', `Task cannot be cancelled (current: ${current.status})`);
  }

  /** Re-queues a failed or timed-out task with a fresh set of attempts. */
  async retry(teamId: string, id: string): Promise<Task> {
    if (!isUuid(id)) throw new AppError('not_found', TASK_NOT_FOUND);
    const [task] = await this.records.query(
      `WITH requeued AS (
         UPDATE tasks SET status = 'pending', run_at = $3, retry_count = 0, attempt_count = 0, result = NULL,
           error = NULL, started_at = NULL, completed_at = NULL, wait_deadline = NULL,
           callback_received_at = NULL, on_complete_state = NULL,
           on_complete_claimed_at = NULL, on_complete_status_code = NULL, on_complete_error = NULL,
           on_complete_at = NULL
         WHERE id = $1 AND team_id = $2 AND status IN ('failed', 'timeout')
         RETURNING *),
       cleared AS (DELETE FROM task_attempts WHERE task_id IN (SELECT id FROM requeued))
       SELECT ${this.records.columns} FROM requeued t`,
      [id, teamId, this.clock.now()],
    );
    if (task) return task;
    const current = await this.get(teamId, id);
    throw new AppError('conflict', `Task cannot be retried (current: ${current.status})`);
  }

  async attempts(teamId: string, id: string): Promise<TaskAttempt[]> {
    await this.get(teamId, id);
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      `SELECT task_id AS "taskId", number, started_at AS "startedAt", duration_ms AS "durationMs",
              status_code AS "statusCode", error
       FROM task_attempts WHERE task_id = $1 ORDER BY number`,
      [id],
    );
    return rows.map((row) => Object.assign(new TaskAttempt(), row));
  }

  private checkIdempotencyKey(key: string | undefined): void {
    if (key === undefined) return;
    if (key.length === 0) throw new AppError('invalid_request', 'Idempotency-Key must not be empty');
    if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new AppError('invalid_request', `Idempotency-Key must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
  }
}

/** The template a provider names, or the task's own pollConfig with its defaults; null when the task does not poll. */
function pollConfigOf(dto: CreateTaskDto): PollConfig | null {
  if (dto.provider !== undefined) return providerTemplate(dto.provider)?.pollConfig ?? null;
  return dto.pollConfig ? normalisePollConfig(dto.pollConfig) : null;
}

/** Same request = same validated fields, whatever the key order or whitespace of the JSON. */
function requestFingerprint(dto: CreateTaskDto): string {
  return createHash('sha256').update(canonicalJson(dto)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
