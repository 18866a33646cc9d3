import type { PollConfig } from '../tasks/rules/poll-config.js';
import { judgeResultResponse, judgeStatusResponse, MAX_POLL_RESULT_BYTES } from './status-verdict.js';

const config: PollConfig = {
  urlTemplate: '{startResult.body.url}',
  statusPath: 'job.state',
  doneValues: ['done', true],
  failValues: ['error'],
  interval: 1,
  resultPath: 'job.output',
  errorPath: 'job.reason',
  forwardAuth: false,
};
const response = (statusCode: number, body: unknown) => ({
  statusCode,
  headers: {},
  body: typeof body === 'string' ? body : JSON.stringify(body),
  duration: 1,
});

describe('judgeStatusResponse', () => {
  it('should read the state at statusPath and the result at resultPath', () => {
    expect(judgeStatusResponse(config, response(200, { job: { state: 'done', output: [1] } }))).toEqual({
      kind: 'done',
      result: [1],
    });
    expect(judgeStatusResponse(config, response(200, { job: { state: true } }))).toEqual({
      kind: 'done',
      result: null,
    });
    expect(judgeStatusResponse(config, response(200, { job: { state: 'queued' } }))).toEqual({
      kind: 'running',
      note: null,
    });
  });

  it('should take the whole response as the result without resultPath', () => {
    const body = { job: { state: 'done' } };
    expect(judgeStatusResponse({ ...config, resultPath: undefined }, response(200, body))).toEqual({
      kind: 'done',
      result: body,
    });
  });

  it('should fail with the reason at errorPath, or the state', () => {
    expect(judgeStatusResponse(config, response(200, { job: { state: 'error', reason: 'NSFW' } }))).toEqual({
      kind: 'failed',
      error: 'NSFW',
    });
    expect(judgeStatusResponse(config, response(200, { job: { state: 'error', reason: { code: 7 } } }))).toEqual({
      kind: 'failed',
      error: '{"code":7}',
    });
    expect(judgeStatusResponse(config, response(200, { job: { state: 'error' } }))).toEqual({
      kind: 'failed',
      error: 'Provider reported status "error"',
    });
  });

  it('should keep polling through 5xx, 408, 429 and a 202 without JSON, and fail on other answers', () => {
    for (const status of [500, 503, 408, 429]) {
      expect(judgeStatusResponse(config, response(status, 'busy')).kind).toBe('running');
    }
    expect(judgeStatusResponse(config, response(202, ''))).toEqual({ kind: 'running', note: null });
    expect(judgeStatusResponse(config, response(401, {}))).toEqual({
      kind: 'failed',
      error: 'Status check answered HTTP 401 - Unauthorized',
    });
    expect(judgeStatusResponse(config, response(200, '<html>'))).toEqual({
      kind: 'failed',
      error: 'Status check answered HTTP 200 without a JSON body',
    });
  });

  it('should replace a result over the size limit by a note of its size', () => {
    const big = 'x'.repeat(MAX_POLL_RESULT_BYTES);
    const verdict = judgeStatusResponse(config, response(200, { job: { state: 'done', output: big } }));
    expect(verdict).toMatchObject({ kind: 'done', result: { resultTooLarge: true, bytes: MAX_POLL_RESULT_BYTES + 2 } });
  });
});

describe('judgeResultResponse', () => {
  it('should keep JSON as JSON and anything else as text', () => {
    expect(judgeResultResponse(response(200, { images: [] }))).toEqual({ kind: 'done', result: { images: [] } });
    expect(judgeResultResponse(response(200, 'plain'))).toEqual({ kind: 'done', result: 'plain' });
    expect(judgeResultResponse(response(502, ''))).toMatchObject({ kind: 'running' });
    expect(judgeResultResponse(response(404, ''))).toEqual({
      kind: 'failed',
      error: 'Result request answered HTTP 404 - Not Found',
    });
  });
});
