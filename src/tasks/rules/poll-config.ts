import { urlProblem, whitespaceProblem } from '../../common/net/target-url.js';
import { jsonPathProblem } from './json-path.js';
import { hasPlaceholders, templateProblem } from './submit-response-template.js';

export type StatusValue = string | number | boolean;

/** How a polling task checks on the job its submit call started (SPEC §8). */
export interface PollConfig {
  /** Status URL, usually built from the submit response: `{startResult.body.urls.get}`. */
  urlTemplate: string;
  /** Where the job's state sits in the status response. */
  statusPath: string;
  /** States that mean the job succeeded. */
  doneValues: StatusValue[];
  /** States that mean the job failed. */
  failValues: StatusValue[];
  /** Seconds between status checks. */
  interval: number;
  /** Where the result sits in the final status response (default: the whole response). */
  resultPath?: string;
  /** Where to fetch the result from once done, instead of the status response. */
  resultUrlTemplate?: string;
  /** Where the failure reason sits in the status response. */
  errorPath?: string;
  /** Send the task's headers (vault references resolved) with every status and result request. */
  forwardAuth: boolean;
  /** Seconds the task may poll before it times out; without it, maxWaitTime applies. */
  maxDuration?: number;
}

export const DEFAULT_POLL_INTERVAL_SECONDS = 5;
export const MIN_POLL_INTERVAL_SECONDS = 1;
export const MAX_POLL_INTERVAL_SECONDS = 3600;
export const MAX_POLL_DURATION_SECONDS = 86400;
const MAX_STATUS_VALUES = 20;
const MAX_TEMPLATE_LENGTH = 2048;

const FIELDS = [
  'urlTemplate',
  'statusPath',
  'doneValues',
  'failValues',
  'interval',
  'resultPath',
  'resultUrlTemplate',
  'errorPath',
  'forwardAuth',
  'maxDuration',
] as const;

/** The first problem with a pollConfig object, or null; messages name the field as `pollConfig.<field>`. */
export function pollConfigProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'pollConfig must be an object';
  const config = value as Record<string, unknown>;
  const unknown = Object.keys(config).find((key) => !(FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) return `property pollConfig.${unknown} should not exist`;
  for (const field of ['urlTemplate', 'statusPath', 'doneValues', 'failValues'] as const) {
    if (config[field] === undefined || config[field] === null) return `pollConfig.${field} is required`;
  }
  return (
    urlTemplateProblem('pollConfig.urlTemplate', config.urlTemplate) ??
    jsonPathProblem('pollConfig.statusPath', config.statusPath) ??
    statusValuesProblem('pollConfig.doneValues', config.doneValues, 1) ??
    statusValuesProblem('pollConfig.failValues', config.failValues, 0) ??
    overlapProblem(config.doneValues as StatusValue[], config.failValues as StatusValue[]) ??
    numberProblem('pollConfig.interval', config.interval, MIN_POLL_INTERVAL_SECONDS, MAX_POLL_INTERVAL_SECONDS) ??
    optional(config.resultPath, (path) => jsonPathProblem('pollConfig.resultPath', path)) ??
    optional(config.resultUrlTemplate, (template) => urlTemplateProblem('pollConfig.resultUrlTemplate', template)) ??
    optional(config.errorPath, (path) => jsonPathProblem('pollConfig.errorPath', path)) ??
    optional(config.forwardAuth, (flag) =>
      typeof flag === 'boolean' ? null : 'pollConfig.forwardAuth must be a boolean',
    ) ??
    numberProblem('pollConfig.maxDuration', config.maxDuration, 1, MAX_POLL_DURATION_SECONDS)
  );
}

/** A valid pollConfig with its defaults filled in, as it is stored and shown. */
export function normalisePollConfig(value: Record<string, unknown>): PollConfig {
  const config = value as Partial<PollConfig>;
  return {
    urlTemplate: config.urlTemplate as string,
    statusPath: config.statusPath as string,
    doneValues: config.doneValues as StatusValue[],
    failValues: config.failValues as StatusValue[],
    interval: config.interval ?? DEFAULT_POLL_INTERVAL_SECONDS,
    ...(config.resultPath !== undefined && { resultPath: config.resultPath }),
    ...(config.resultUrlTemplate !== undefined && { resultUrlTemplate: config.resultUrlTemplate }),
    ...(config.errorPath !== undefined && { errorPath: config.errorPath }),
    forwardAuth: config.forwardAuth ?? false,
    ...(config.maxDuration !== undefined && { maxDuration: config.maxDuration }),
  };
}

/** Seconds a task may spend polling: the config's own bound, else the task's maxWaitTime. */
export function pollingLimitSeconds(config: PollConfig, maxWaitSeconds: number): number {
  return config.maxDuration ?? maxWaitSeconds;
}

function urlTemplateProblem(field: string, template: unknown): string | null {
  if (typeof template !== 'string' || template.length === 0) return `${field} must be a non-empty string`;
  if (template.length > MAX_TEMPLATE_LENGTH) return `${field} must be at most ${MAX_TEMPLATE_LENGTH} characters`;
  const spacing = whitespaceProblem(field, template);
  if (spacing) return spacing;
  const placeholders = templateProblem(field, template);
  if (placeholders) return placeholders;
  // A template that starts with a placeholder gets its scheme and host from the provider; the
  // URL it yields is checked when it is built. A fixed prefix must be a URL already.
  if (template.startsWith('{')) return null;
  const sample = hasPlaceholders(template) ? template.replace(/\{[^{}]*\}/g, 'x') : template;
  return urlProblem(field, sample);
}

function statusValuesProblem(field: string, values: unknown, minimum: number): string | null {
  const message =
    minimum > 0
      ? `${field} must be a non-empty array of strings, numbers or booleans`
      : `${field} must be an array of strings, numbers or booleans`;
  if (!Array.isArray(values) || values.length < minimum) return message;
  if (values.length > MAX_STATUS_VALUES) return `${field} must have at most ${MAX_STATUS_VALUES} values`;
  const scalar = (item: unknown) => ['string', 'number', 'boolean'].includes(typeof item);
  return values.every(scalar) ? null : message;
}

function overlapProblem(done: StatusValue[], fail: StatusValue[]): string | null {
  const shared = done.find((value) => fail.includes(value));
  return shared === undefined
    ? null
    : `pollConfig.doneValues and pollConfig.failValues both contain ${JSON.stringify(shared)}`;
}

function numberProblem(field: string, value: unknown, min: number, max: number): string | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${field} must be a number`;
  return value < min || value > max ? `${field} must be between ${min} and ${max}` : null;
}

function optional(value: unknown, problem: (value: unknown) => string | null): string | null {
  return value === undefined ? null : problem(value);
}
