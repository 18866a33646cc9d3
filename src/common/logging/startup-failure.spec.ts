import { startupFailureReason as sut } from './startup-failure.js';

describe('startupFailureReason', () => {
  it('should say that the database cannot be reached, with the socket error', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(sut(error)).toBe('cannot reach the database (connect ECONNREFUSED 127.0.0.1:1)');
  });

  it('should read an AggregateError without a message from its first error', () => {
    const error = Object.assign(
      new AggregateError([new Error('connect ECONNREFUSED ::1:5'), new Error('second')], ''),
      {
        code: 'ECONNREFUSED',
      },
    );
    expect(sut(error)).toBe('cannot reach the database (connect ECONNREFUSED ::1:5)');
  });

  it('should name a refusal by PostgreSQL', () => {
    const error = Object.assign(new Error('database "nope" does not exist'), { severity: 'FATAL', code: '3D000' });
    expect(sut(error)).toBe('the database refused: database "nope" does not exist');
  });

  it('should make any other error one plain line', () => {
    expect(sut(new Error('\u001b[31mfirst\nsecond\u001b[39m'))).toBe('first second');
    expect(sut('x'.repeat(600))).toHaveLength(501);
    expect(
      sut(Object.assign(new Error('listen EADDRINUSE: address already in use :::3000'), { code: 'EADDRINUSE' })),
    ).toBe('listen EADDRINUSE: address already in use :::3000');
  });
});
