import { jsonPathProblem, parseJson, readJsonPath } from './json-path.js';

/**
 * `{startResult.body.<path>}` and `{startResult.headers.<name>}` in a poll URL template read the
 * submit call's response. Values go in as they are (a provider's `status_url` is a whole URL); the
 * URL that results is checked like any target, and the address policy applies when it is called.
 */
const PLACEHOLDER = /\{([^{}]*)\}/g;
const BODY_PREFIX = 'startResult.body.';
const HEADER_PREFIX = 'startResult.headers.';

export interface SubmitResponse {
  headers: Record<string, string>;
  body: string;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** The first problem with a template's placeholders, or null. */
export function templateProblem(field: string, template: string): string | null {
  for (const [, expression] of template.matchAll(PLACEHOLDER)) {
    if (expression.startsWith(BODY_PREFIX)) {
      if (jsonPathProblem(field, expression.slice(BODY_PREFIX.length)) === null) continue;
    } else if (expression.startsWith(HEADER_PREFIX) && /^[A-Za-z0-9-]+$/.test(expression.slice(HEADER_PREFIX.length))) {
      continue;
    }
    return `${field} has an unknown placeholder "{${expression}}" (use {startResult.body.<path>} or {startResult.headers.<name>})`;
  }
  return null;
}

export function hasPlaceholders(template: string): boolean {
  return /\{[^{}]*\}/.test(template);
}

/** Fills a template from the submit response; throws TemplateError naming a missing value. */
export function expandTemplate(template: string, submit: SubmitResponse): string {
  let body: unknown;
  let bodyParsed = false;
  return template.replace(PLACEHOLDER, (_match, expression: string) => {
    let value: unknown;
    if (expression.startsWith(HEADER_PREFIX)) {
      value = submit.headers[expression.slice(HEADER_PREFIX.length).toLowerCase()];
    } else {
      if (!bodyParsed) {
        body = parseJson(submit.body);
        bodyParsed = true;
      }
      value = readJsonPath(body, expression.slice(BODY_PREFIX.length));
    }
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new TemplateError(`The submit response has no text value for {${expression}}`);
  });
}
