import { randomBytes } from 'node:crypto';

/** Written by a task wherever the provider must be told where to report: URL, a header value or the body. */
export const CALLBACK_PLACEHOLDER = '{asyncqueue_callback_url}';

const CALLBACK_ID = /^[0-9a-f]{64}$/;

export function newCallbackId(): string {
  return randomBytes(32).toString('hex');
}

export function isCallbackId(value: string): boolean {
  return CALLBACK_ID.test(value);
}

export function callbackUrlOf(publicBaseUrl: string, callbackId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/v1/callbacks/${callbackId}`;
}

/** The URL a task's placeholder stands for, or null when the task has no callback. */
export function callbackUrlOfTask(publicBaseUrl: string, task: { callbackId: string | null }): string | null {
  return task.callbackId ? callbackUrlOf(publicBaseUrl, task.callbackId) : null;
}

export function mentionsCallbackUrl(fields: {
  targetUrl: string;
  headers: Record<string, string>;
  body?: string | null;
}): boolean {
  return (
    fields.targetUrl.includes(CALLBACK_PLACEHOLDER) ||
    Object.values(fields.headers).some((value) => value.includes(CALLBACK_PLACEHOLDER)) ||
    (fields.body ?? '').includes(CALLBACK_PLACEHOLDER)
  );
}

export function fillCallbackUrl(text: string, callbackUrl: string): string {
  return text.replaceAll(CALLBACK_PLACEHOLDER, callbackUrl);
}
