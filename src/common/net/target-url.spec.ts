import { urlProblem } from './target-url.js';

describe('urlProblem', () => {
  it.each(['https://example.com/hook?x=1', 'http://example.com:8080/a%20b', 'https://[2606:4700::1111]/'])(
    'should accept %j',
    (url) => {
      expect(urlProblem('targetUrl', url)).toBeNull();
    },
  );

  it.each([
    'https://example.com/a\tb',
    'https://exa\nmple.com/',
    'https://example.com/\r\nX-Injected: 1',
    ' https://example.com/',
    'https://example.com/ ',
    'https://example.com/a b',
    'https://example.com/\u0001',
    'https://example.com/\u007f',
    'https://example.com/\u0085',
    'https://example.com/\u00a0',
    'https://example.com/\u2028',
    'https://example.com/\ufeff',
  ])('should refuse %j, which the URL parser would silently change', (url) => {
    expect(urlProblem('targetUrl', url)).toBe('targetUrl must not contain whitespace or control characters');
  });

  it('should keep calling text that is no URL at all an invalid URL', () => {
    expect(urlProblem('targetUrl', 'not a url')).toBe('targetUrl must be a valid http or https URL');
  });

  it('should refuse port 0, which nothing can connect to', () => {
    expect(urlProblem('onCompleteUrl', 'https://example.com:0/')).toBe('onCompleteUrl must not use port 0');
  });
});
