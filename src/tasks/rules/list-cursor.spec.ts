import { decodeCursor, encodeCursor } from './list-cursor.js';

describe('list cursor', () => {
  const position = { createdAt: '2026-12-02T05:12:08.123456Z', id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' };

  it('should read back the position it wrote', () => {
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['another version', Buffer.from(JSON.stringify([2, position.createdAt, position.id])).toString('base64url')],
    ['a bad time', Buffer.from(JSON.stringify([1, '2026-13-45T99:00:00.000000Z', position.id])).toString('base64url')],
    [
      'a day that does not exist',
      Buffer.from(JSON.stringify([1, '2026-02-30T05:12:08.123456Z', position.id])).toString('base64url'),
    ],
    [
      'a time without microseconds',
      Buffer.from(JSON.stringify([1, '2026-12-02T05:12:08Z', position.id])).toString('base64url'),
    ],
    [
      'year 0, which PostgreSQL cannot store',
      Buffer.from(JSON.stringify([1, '0000-01-01T00:00:00.000000Z', position.id])).toString('base64url'),
    ],
    [
      'a time before this service could have written one',
      Buffer.from(JSON.stringify([1, '1969-12-31T23:59:59.000000Z', position.id])).toString('base64url'),
    ],
    ['a bad id', Buffer.from(JSON.stringify([1, position.createdAt, "x' OR 1=1"])).toString('base64url')],
    ['too long', 'a'.repeat(201)],
  ])('should refuse %s', (_what, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });
});
