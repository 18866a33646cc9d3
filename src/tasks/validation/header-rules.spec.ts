import { headersProblem, vaultReferences } from './header-rules.js';

describe('header rules', () => {
  it('should accept ordinary headers', () => {
    expect(
      headersProblem({
        Authorization: 'tok_x',
        'Content-Type': 'application/json',
        'X-A': '',
      }),
    ).toBeNull();
  });

  it.each([
    [null, 'headers must be an object of strings'],
    [{ 'a b': 'v' }, 'Header name "a b" is not a valid HTTP header name'],
    [{ 'X-A': 'x\ny' }, 'Header "X-A" must not contain CR, LF or NUL characters'],
    [{ HOST: 'x' }, 'Header "HOST" cannot be set on a task'],
    [{ toString: 'x' }, 'Header name "toString" is reserved'],
    [JSON.parse('{"__proto__":"x"}'), 'Header name "__proto__" is reserved'],
    [{ 'X-A': '1', 'x-a': '2' }, 'Header "x-a" is given more than once'],
    [{ 'X-A': 'v'.repeat(8193) }, 'Header "X-A" must be at most 8 KiB'],
  ])('should explain the problem with %j', (headers, problem) => {
    expect(headersProblem(headers)).toBe(problem);
  });

  it('should list vault references in the order given', () => {
    expect(vaultReferences({ B: 'tok_2', A: 'plain', C: 'tok_1' })).toEqual([
      { header: 'B', tokenId: 'tok_2' },
      { header: 'C', tokenId: 'tok_1' },
    ]);
  });
});
