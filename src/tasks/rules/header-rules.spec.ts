import { headersProblem } from './header-rules.js';

describe('header rules', () => {
  it('should accept ordinary headers', () => {
    expect(
      headersProblem({
        Authorization: 'tok_x',
        'Content-Type': 'application/json',
        'X-A': '',
        'X-Latin1': 'caf\u00e9 \u00ff\tend',
      }),
    ).toBeNull();
  });

  it.each([
    [null, 'headers must be an object of strings'],
    [{ 'a b': 'v' }, 'Header name "a b" is not a valid HTTP header name'],
    [{ 'X-A': 'x\ny' }, 'Header "X-A" must not contain CR, LF or NUL characters'],
    [{ 'X-A': 'x\u0000🚀' }, 'Header "X-A" must not contain CR, LF or NUL characters'],
    [{ 'X-Note': 'launch 🚀' }, 'Header "X-Note" must contain only characters allowed in an HTTP header value'],
    [{ 'X-Note': 'a\u0001b' }, 'Header "X-Note" must contain only characters allowed in an HTTP header value'],
    [{ 'X-Note': '\u0100' }, 'Header "X-Note" must contain only characters allowed in an HTTP header value'],
    [{ Expect: '100-continue' }, 'Header "Expect" cannot be set on a task'],
    [{ Upgrade: 'websocket' }, 'Header "Upgrade" cannot be set on a task'],
    [{ 'Keep-Alive': 'timeout=5' }, 'Header "Keep-Alive" cannot be set on a task'],
    [{ HOST: 'x' }, 'Header "HOST" cannot be set on a task'],
    [{ toString: 'x' }, 'Header name "toString" is reserved'],
    [JSON.parse('{"__proto__":"x"}'), 'Header name "__proto__" is reserved'],
    [{ 'X-A': '1', 'x-a': '2' }, 'Header "x-a" is given more than once'],
    [{ 'X-A': 'v'.repeat(8193) }, 'Header "X-A" must be at most 8 KiB'],
  ])('should explain the problem with %j', (headers, problem) => {
    expect(headersProblem(headers)).toBe(problem);
  });
});
