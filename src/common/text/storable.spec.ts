import type { JsonValue } from '../json/json-value.js';
import { storableBody, storableJson, storableText } from './storable.js';

describe('storable values', () => {
  describe('storableBody', () => {
    it('should keep UTF-8 text as it is', () => {
      expect(storableBody(Buffer.from('héllo → world'))).toEqual({ body: 'héllo → world' });
    });

    it('should keep text holding NUL, or bytes that are not UTF-8, as base64', () => {
      const nul = Buffer.from('ok\0bad');
      const binary = Buffer.from([0xff, 0xfe, 0x41]);
      expect(storableBody(nul)).toEqual({ body: nul.toString('base64'), bodyEncoding: 'base64' });
      expect(storableBody(binary)).toEqual({ body: binary.toString('base64'), bodyEncoding: 'base64' });
    });

    it('should drop a character cut in half by the size cap, and only when the body was cut', () => {
      const cut = Buffer.from('aé€😀').subarray(0, 1 + 2 + 3 + 2);
      expect(storableBody(cut, true)).toEqual({ body: 'aé€' });
      expect(storableBody(cut, false).bodyEncoding).toBe('base64');
      expect(storableBody(Buffer.from('aé'), true)).toEqual({ body: 'aé' });
    });
  });

  it('should replace NUL and unpaired surrogates in messages', () => {
    expect(storableText('a\0b\ud800c')).toBe('a\uFFFDb\uFFFDc');
    expect(storableText('fine 😀')).toBe('fine 😀');
  });

  describe('storableJson', () => {
    it('should leave storable JSON alone', () => {
      const value = { a: ['x', 1, null, { b: 'ü😀' }] };
      expect(storableJson(value)).toBe(value);
    });

    it('should keep JSON holding NUL or an unpaired surrogate, in a value or a key, as base64 of its text', () => {
      const values: JsonValue[] = [{ a: 'x\0' }, ['\udc00'], { ['k\0']: 1 }];
      for (const value of values) {
        const stored = storableJson(value) as { body: string; bodyEncoding: string };
        expect(stored.bodyEncoding).toBe('base64');
        expect(JSON.parse(Buffer.from(stored.body, 'base64').toString('utf8'))).toEqual(value);
      }
    });
  });
});
