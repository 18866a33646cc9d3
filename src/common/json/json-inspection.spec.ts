import { inspectJson, MAX_JSON_DEPTH, unstorableTextMessage } from './json-inspection.js';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let level = 0; level < levels; level += 1) value = level % 2 ? { a: value } : [value];
  return value;
}

function messageFor(value: unknown): string | null {
  const { unstorable } = inspectJson(value);
  return unstorable && unstorableTextMessage(unstorable);
}

describe('inspectJson', () => {
  it(`should allow ${MAX_JSON_DEPTH} levels of nesting and refuse one more`, () => {
    expect(inspectJson(nested(MAX_JSON_DEPTH)).tooDeep).toBe(false);
    expect(inspectJson(nested(MAX_JSON_DEPTH + 1)).tooDeep).toBe(true);
  });

  it('should stop at the limit instead of overflowing on JSON nested far deeper than the call stack', () => {
    const deep = JSON.parse(`${'['.repeat(200_000)}${']'.repeat(200_000)}`) as unknown;
    expect(inspectJson(deep).tooDeep).toBe(true);
  });

  it('should accept ordinary text, including characters outside the BMP as surrogate pairs', () => {
    expect(inspectJson({ name: 'Zoë 🚀', list: ['a', 1, true, null], nested: { 'X-A': 'v' } })).toEqual({
      tooDeep: false,
      unstorable: null,
    });
  });

  it.each([
    [{ body: 'a\u0000b' }, 'body must not contain NUL characters'],
    [{ name: 'x\ud800' }, 'name must not contain unpaired surrogate characters'],
    [{ name: '\udc00x' }, 'name must not contain unpaired surrogate characters'],
    [{ name: '\ude00\ud83d' }, 'name must not contain unpaired surrogate characters'],
    [{ headers: { 'X-Note': 'a\u0000' } }, 'headers.X-Note must not contain NUL characters'],
    [{ pollConfig: { doneValues: ['ok', 'x\u0000'] } }, 'pollConfig.doneValues[1] must not contain NUL characters'],
    [{ result: { 'a b': ['\ud800'] } }, 'result["a b"][0] must not contain unpaired surrogate characters'],
    [{ result: { 'k\u0000': 1 } }, 'Field names in result must not contain NUL characters'],
    [{ 'k\ud800': 1 }, 'Field names in the request body must not contain unpaired surrogate characters'],
    [['\u0000'], '[0] must not contain NUL characters'],
  ])('should name where %j cannot be stored', (value, message) => {
    expect(messageFor(value)).toBe(message);
  });

  it('should report the first unstorable string in document order', () => {
    expect(messageFor({ a: 'fine', b: { c: 'x\u0000' }, d: '\ud800' })).toBe('b.c must not contain NUL characters');
  });
});
