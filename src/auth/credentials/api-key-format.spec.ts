import { displayPrefixOf, generateApiKey, isWellFormedApiKey } from './api-key-format.js';

describe('API key format', () => {
  const sut = generateApiKey();

  it('should be aq_live_ + 43 random base62 characters + a 6-character checksum', () => {
    expect(sut).toMatch(/^aq_live_[0-9A-Za-z]{49}$/);
    expect(isWellFormedApiKey(sut)).toBe(true);
  });

  it('should differ every time', () => {
    expect(new Set(Array.from({ length: 50 }, generateApiKey)).size).toBe(50);
  });

  it('should catch a changed character through the checksum', () => {
    const typo = `${sut.slice(0, 20)}${sut[20] === 'a' ? 'b' : 'a'}${sut.slice(21)}`;
    expect(isWellFormedApiKey(typo)).toBe(false);
  });

  it.each(['', 'aq_live_', `${sut}x`, sut.replace('aq_live_', 'aq_test_'), sut.replace(/.$/, '!')])(
    'should refuse the malformed key %p',
    (candidate) => {
      expect(isWellFormedApiKey(candidate)).toBe(false);
    },
  );

  it('should show a short prefix only', () => {
    expect(displayPrefixOf(sut)).toBe(sut.slice(0, 14));
  });
});
