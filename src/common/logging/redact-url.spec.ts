import { redactRequestUrl as sut } from './redact-url.js';

describe('redactRequestUrl', () => {
  it.each([
    ['/v1/tasks', '/v1/tasks'],
    ['/v1/tasks/0190aa00-0000-7000-8000-000000000000', '/v1/tasks/0190aa00-0000-7000-8000-000000000000'],
    ['/v1/signals/aq_sig_secret', '/v1/signals/[redacted]'],
    ['/v1/callbacks/abc123', '/v1/callbacks/[redacted]'],
    ['/v1/callbacks/abc123/', '/v1/callbacks/[redacted]/'],
    ['/v1/callbacks/abc/def', '/v1/callbacks/[redacted]/[redacted]'],
    ['/V1/SIGNALS/aq_sig_secret', '/V1/SIGNALS/[redacted]'],
    ['/v1/%73ignals/aq_sig_secret', '/v1/%73ignals/[redacted]'],
    ['//v1/signals/aq_sig_secret', '//v1/signals/[redacted]'],
    ['/v1/signal/aq_sig_secret', '/v1/signal/aq_sig_secret'],
  ])('should show the path %s as %s', (url, expected) => {
    expect(sut(url)).toBe(expected);
  });

  it.each([
    ['/v1/tasks?status=pending&access_token=aq_live_x', '/v1/tasks?status=[redacted]&access_token=[redacted]'],
    ['/v1/tasks?status=', '/v1/tasks?status=[redacted]'],
    ['/v1/tasks?', '/v1/tasks?'],
    ['/v1/tasks?a=1&&b=2', '/v1/tasks?a=[redacted]&&b=[redacted]'],
    ['/v1/tasks?aq_live_barekey', '/v1/tasks?[redacted]'],
    ['/v1/tasks?aq_live_0123456789abcdefghijklmnopqrstuvwxyz=1', '/v1/tasks?[redacted]'],
    ['/v1/tasks?a%20b=1', '/v1/tasks?[redacted]'],
    ['/v1/tasks?wait=1=2', '/v1/tasks?wait=[redacted]'],
    ['/v1/callbacks/abc?x=1', '/v1/callbacks/[redacted]?x=[redacted]'],
    ['/v1/callbacks/abc#frag?x=1', '/v1/callbacks/[redacted]?x=[redacted]'],
  ])('should show %s as %s', (url, expected) => {
    expect(sut(url)).toBe(expected);
  });
});
