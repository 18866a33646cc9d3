import type { ExamplesObject } from '@nestjs/swagger';

const DOCUMENTATION_TARGET =
  'example.com is reserved for documentation (RFC 2606) and answers any request; put your endpoint there. ' +
  'A local endpoint (localhost, 10.x, ...) needs ALLOWED_PRIVATE_TARGETS.';

/** Bodies for POST /v1/tasks that are accepted exactly as they are (Swagger UI's "Try it out"). */
export const CREATE_TASK_EXAMPLES: ExamplesObject = {
  call: {
    summary: 'Call a URL now',
    description: DOCUMENTATION_TARGET,
    value: { targetUrl: 'https://example.com/', method: 'GET' },
  },
  json: {
    summary: 'POST JSON, with retries and a completion webhook',
    description: DOCUMENTATION_TARGET,
    value: {
      targetUrl: 'https://example.com/',
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"hello":"world"}',
      maxRetries: 5,
      retryBackoff: 'linear',
      priority: 8,
      onCompleteUrl: 'https://example.com/task-finished',
    },
  },
  delayed: {
    summary: 'Run later',
    description: `Status \`delayed\` until delayUntil. ${DOCUMENTATION_TARGET}`,
    value: { targetUrl: 'https://example.com/', method: 'GET', delayUntil: '2030-01-01T09:00:00.000Z' },
  },
  signal: {
    summary: 'Wait for a signal after the call',
    description: `The answer carries a signalToken for POST /v1/signals/{token}. ${DOCUMENTATION_TARGET}`,
    value: { targetUrl: 'https://example.com/', method: 'GET', waitForSignal: true, maxWaitTime: 3600 },
  },
};
