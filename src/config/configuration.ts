import { isAbsolute, resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import type { RawEnvironment } from './environment.js';

export class ConfigValidationError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
  }
}

export interface VaultKey {
  id: string;
  key: Buffer;
}

export type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

export interface AppConfiguration {
  http: { port: number; apiEnabled: boolean; publicBaseUrl: string };
  database: { url: string | undefined; dataDir: string };
  vault: { keys: VaultKey[] | undefined; dataDir: string; embedded: boolean };
  executor: {
    enabled: boolean;
    concurrency: number;
    allowedPrivateTargets: Cidr[];
    shutdownGraceMs: number;
    pollIntervalMs: number;
  };
  auth: { rateLimitPerMinute: number; callbackRateLimitPerMinute: number; embedded: boolean };
  logging: { level: string; format: LogFormat };
  lifecycle: LifecycleConfiguration;
}

/** SPEC §11: how long finished tasks are kept, and how often the sweeps run. */
export interface LifecycleConfiguration {
  /** Finished tasks older than this are deleted; null (TASK_RETENTION_DAYS=0) keeps everything. */
  taskRetentionMs: number | null;
  sweepIntervalMs: number;
}

/** `auto`: readable lines when stdout is a terminal, JSON lines otherwise. */
export type LogFormat = 'json' | 'pretty' | 'auto';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty', 'auto'];
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Reads and validates every variable of SPEC §2; throws one ConfigValidationError naming the first bad one. */
export function buildConfiguration(env: RawEnvironment): AppConfiguration {
  const port = integer(env, 'PORT', 3000, 1, 65535);
  const dataDir = absolute(env.DATA_DIR?.trim() || './data');
  const databaseUrl = databaseUrlOf(env);
  return {
    http: {
      port,
      apiEnabled: boolean(env, 'API_ENABLED', true),
      publicBaseUrl: publicBaseUrlOf(env, port),
    },
    database: { url: databaseUrl, dataDir },
    vault: { keys: vaultKeysOf(env), dataDir, embedded: !databaseUrl },
    executor: {
      enabled: boolean(env, 'WORKER_ENABLED', true),
      concurrency: integer(env, 'EXECUTOR_CONCURRENCY', 32, 1, 1000),
      allowedPrivateTargets: cidrsOf(env),
      shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_SECONDS', 25, 0, 600) * 1000,
      pollIntervalMs: integer(env, 'EXECUTOR_POLL_INTERVAL_MS', 1000, 50, 60000),
    },
    auth: {
      rateLimitPerMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000),
      callbackRateLimitPerMinute: integer(env, 'CALLBACK_RATE_LIMIT_PER_MINUTE', 30, 1, 10_000_000),
      embedded: !databaseUrl,
    },
    logging: { level: logLevelOf(env), format: logFormatOf(env) },
    lifecycle: {
      taskRetentionMs: retentionMsOf(env),
      sweepIntervalMs: integer(env, 'SWEEP_INTERVAL_SECONDS', 60, 1, 60) * 1000,
    },
  };
}

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/** Days, fractions allowed (0.0001 is under 9 s, for tests and soaks); 0 keeps everything. */
function retentionMsOf(env: RawEnvironment): number | null {
  const raw = env.TASK_RETENTION_DAYS?.trim();
  if (!raw) return 7 * MS_PER_DAY;
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > 36500) {
    throw new ConfigValidationError(
      'TASK_RETENTION_DAYS',
      `must be a number of days between 0 and 36500, 0 keeping everything (got "${raw}")`,
    );
  }
  const ms = Math.round(Number(raw) * MS_PER_DAY);
  return ms === 0 ? null : ms;
}

function integer(env: RawEnvironment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigValidationError(name, `must be an integer between ${min} and ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function boolean(env: RawEnvironment, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigValidationError(name, `must be true or false (got "${env[name]}")`);
}

function absolute(path: string): string {
  return isAbsolute(path) ? path : resolve(process.cwd(), path);
}

function databaseUrlOf(env: RawEnvironment): string | undefined {
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigValidationError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigValidationError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  return raw;
}

function publicBaseUrlOf(env: RawEnvironment, port: number): string {
  const raw = env.PUBLIC_BASE_URL?.trim();
  if (!raw) return `http://localhost:${port}`;
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return raw.replace(/\/+$/, '');
  } catch {
    // reported below
  }
  throw new ConfigValidationError('PUBLIC_BASE_URL', 'must be an http:// or https:// URL');
}

function vaultKeysOf(env: RawEnvironment): VaultKey[] | undefined {
  const raw = env.VAULT_KEYS?.trim();
  if (!raw) return undefined;
  const keys = raw.split(',').map((entry, index) => parseVaultKey(entry.trim(), index + 1));
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) {
    throw new ConfigValidationError('VAULT_KEYS', 'lists the same key id twice');
  }
  return keys;
}

/** `kid:base64-of-32-bytes`; exported so the development key file uses the same grammar. */
export function parseVaultKey(entry: string, position = 1): VaultKey {
  const separator = entry.indexOf(':');
  const id = separator > 0 ? entry.slice(0, separator) : '';
  const encoded = separator > 0 ? entry.slice(separator + 1) : '';
  if (!KEY_ID_PATTERN.test(id)) {
    throw new ConfigValidationError(
      'VAULT_KEYS',
      `entry ${position} must look like "kid:base64key" with a key id of letters, digits, "_" or "-"`,
    );
  }
  const key = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length !== 32) {
    throw new ConfigValidationError('VAULT_KEYS', `key "${id}" must be exactly 32 bytes, base64-encoded`);
  }
  return { id, key };
}

function cidrsOf(env: RawEnvironment): Cidr[] {
  const raw = env.ALLOWED_PRIVATE_TARGETS?.trim();
  if (!raw) return [];
  return raw.split(',').map((entry) => {
    try {
      return ipaddr.parseCIDR(entry.trim());
    } catch {
      throw new ConfigValidationError('ALLOWED_PRIVATE_TARGETS', `entry "${entry.trim()}" is not a CIDR range`);
    }
  });
}

function logLevelOf(env: RawEnvironment): string {
  const raw = env.LOG_LEVEL?.trim().toLowerCase() || 'info';
  if (!LOG_LEVELS.includes(raw)) {
    throw new ConfigValidationError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return raw;
}

function logFormatOf(env: RawEnvironment): LogFormat {
  const raw = env.LOG_FORMAT?.trim().toLowerCase() || 'auto';
  if (!(LOG_FORMATS as readonly string[]).includes(raw)) {
    throw new ConfigValidationError('LOG_FORMAT', `must be one of ${LOG_FORMATS.join(', ')}`);
  }
  return raw as LogFormat;
}
