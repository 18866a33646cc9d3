import {
  allowedHostsProblem,
  bindingAdmits,
  entriesAdmitting,
  MAX_ALLOWED_HOSTS,
  normaliseAllowedHosts,
} from './token-destinations.js';

describe('token destinations', () => {
  describe('allowedHostsProblem', () => {
    it.each([
      [['api.openai.com']],
      [['API.OpenAI.com', '*.replicate.com']],
      [['127.0.0.1', '[::1]', '::1', '[2001:DB8::1]']],
      [['bücher.de', '*.bücher.de']],
      [['localhost', 'my_host.internal']],
      [Array.from({ length: MAX_ALLOWED_HOSTS }, (_, i) => `h${i}.example.com`)],
      [['a.example.com', 'a.example.com']],
    ])('should accept %j', (value) => {
      expect(allowedHostsProblem(value)).toBeNull();
    });

    it.each([
      ['not a list', 'allowedHosts must be an array of host names'],
      [{ host: 'a.com' }, 'allowedHosts must be an array of host names'],
      [[], 'allowedHosts must have at least 1 entry'],
      [Array.from({ length: 21 }, (_, i) => `h${i}.example.com`), 'allowedHosts must have at most 20 entries'],
      [['ok.com', 'fine.com', 'https://a.com'], 'allowedHosts[2] must be a host name or *.suffix'],
      [[7], 'allowedHosts[0] must be a host name or *.suffix'],
      [[''], 'allowedHosts[0] must be a host name or *.suffix'],
      [['*'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['*.'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['*.*.a.com'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['a.*.com'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['*a.com'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['a.com:443'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['a.com/path'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['user@a.com'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['a..com'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['a.com.'], 'allowedHosts[0] must be a host name or *.suffix'],
      [[' a.com'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['-a.com'], 'allowedHosts[0] must be a host name or *.suffix'],
      [[`${'a'.repeat(64)}.com`], 'allowedHosts[0] must be a host name or *.suffix'],
      [['127.1'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['256.0.0.1'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['*.0.0.1'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['[::1'], 'allowedHosts[0] must be a host name or *.suffix'],
      [['[fe80::1%eth0]'], 'allowedHosts[0] must be a host name or *.suffix'],
    ])('should refuse %j with "%s"', (value, problem) => {
      expect(allowedHostsProblem(value)).toBe(problem);
    });
  });

  it('should store entries lower case, in URL host form, without duplicates', () => {
    expect(
      normaliseAllowedHosts(['API.OpenAI.com', 'api.openai.com', '*.Bücher.de', '::0001', '[::1]', '127.0.0.1']),
    ).toEqual(['api.openai.com', '*.xn--bcher-kva.de', '[::1]', '127.0.0.1']);
  });

  it('should list the entries that admit a host: itself and each wildcard above it', () => {
    expect(entriesAdmitting('a.b.example.com')).toEqual([
      'a.b.example.com',
      '*.b.example.com',
      '*.example.com',
      '*.com',
    ]);
    expect(entriesAdmitting('localhost')).toEqual(['localhost']);
    expect(entriesAdmitting('127.0.0.1')).toEqual(['127.0.0.1']);
    expect(entriesAdmitting('[::1]')).toEqual(['[::1]']);
  });

  describe('bindingAdmits', () => {
    const binding = normaliseAllowedHosts(['api.openai.com', '*.replicate.com', '127.0.0.1', '[::1]']);
    const hostOf = (url: string) => new URL(url).hostname;

    it.each([
      'https://api.openai.com/v1/chat',
      'https://API.OPENAI.COM/v1/chat',
      'https://api.replicate.com/v1',
      'https://deep.down.replicate.com/',
      'http://127.0.0.1:8080/',
      'http://[::1]:8080/',
      'http://[0:0:0:0:0:0:0:1]/',
      'http://0x7f.0.0.1/',
    ])('should admit %s', (url) => {
      expect(bindingAdmits(binding, hostOf(url))).toBe(true);
    });

    it.each([
      'https://openai.com/',
      'https://api.openai.com.evil.com/',
      'https://evilapi.openai.com/',
      'https://x.api.openai.com/',
      'https://replicate.com/',
      'https://evilreplicate.com/',
      'https://replicate.com.evil.com/',
      'https://api.openai.com./',
      'http://localhost/',
      'http://127.0.0.2/',
      'http://[::2]/',
    ])('should refuse %s', (url) => {
      expect(bindingAdmits(binding, hostOf(url))).toBe(false);
    });

    it('should admit every host when the token is unbound', () => {
      expect(bindingAdmits(null, 'anything.example')).toBe(true);
    });
  });
});
