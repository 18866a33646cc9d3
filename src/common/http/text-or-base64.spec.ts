import { textOrBase64 as sut } from './text-or-base64.js';

describe('textOrBase64', () => {
  it.each([
    ['empty', Buffer.alloc(0), ''],
    ['JSON', Buffer.from('{"ok":true}'), '{"ok":true}'],
    ['non-ASCII UTF-8', Buffer.from('grüße ✓ 🎉'), 'grüße ✓ 🎉'],
  ])('should keep %s bytes as text', (_case, bytes, text) => {
    expect(sut(bytes)).toEqual({ body: text });
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0x68, 0xff, 0xfe, 0x69])],
    ['a truncated multi-byte sequence', Buffer.from([0xe2, 0x9c])],
    ['a NUL byte', Buffer.from('a\u0000b')],
    ['a PNG header', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  ])('should keep %s as base64', (_case, bytes) => {
    const encoded = sut(bytes);
    expect(encoded).toEqual({ body: bytes.toString('base64'), bodyEncoding: 'base64' });
    expect(Buffer.from(encoded.body, 'base64').equals(bytes)).toBe(true);
  });
});
