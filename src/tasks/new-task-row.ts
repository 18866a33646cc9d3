import { createHash } from 'node:crypto';
import { sha256Hex } from '../auth/credentials/secret-tokens.js';
import { newId } from '../common/http/ids.js';
import { entriesAdmitting } from '../vault/token-destinations.js';
import type { CreateTaskDto } from './dto/create-task.dto.js';
import type { NewTaskRow } from './persistence/task-insert.sql.js';
import { mentionsCallbackUrl, newCallbackId } from './rules/callback-url.js';
import { normalisePollConfig, type PollConfig } from './rules/poll-config.js';
import { providerTemplate } from './rules/provider-templates.js';

/** What the checks of a new task found out that its row needs. */
export interface CheckedTaskRequest {
  pollConfig: PollConfig | null;
  /** The distinct vault tokens its headers reference. */
  tokenIds: string[];
  /** The hosts those references are sent to (credentialHostsOf). */
  credentialHosts: string[];
}

/** The row a validated create request becomes, at `now`. */
export function newTaskRow(
  teamId: string,
  dto: CreateTaskDto,
  checked: CheckedTaskRequest,
  signalToken: string | undefined,
  now: Date,
): NewTaskRow {
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
    pollConfig: checked.pollConfig,
    scheduleId: null,
    scheduledFor: null,
    queue: dto.queue,
    tokenIds: checked.tokenIds,
    tokenDestinations: checked.credentialHosts.map(entriesAdmitting),
  };
}

/** The template a provider names, or the task's own pollConfig with its defaults; null when the task does not poll. */
export function pollConfigOf(dto: CreateTaskDto): PollConfig | null {
  if (dto.provider !== undefined) return providerTemplate(dto.provider)?.pollConfig ?? null;
  return dto.pollConfig ? normalisePollConfig(dto.pollConfig) : null;
}

/** Same request = same validated fields, whatever the key order or whitespace of the JSON. */
export function requestFingerprint(dto: CreateTaskDto): string {
  return createHash('sha256').update(canonicalJson(dto)).digest('hex');
}

/** Same batch = the same tasks in the same order; never equal to a single task's fingerprint. */
export function batchFingerprint(dtos: CreateTaskDto[]): string {
  return createHash('sha256')
    .update(`batch:${canonicalJson(dtos)}`)
    .digest('hex');
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
