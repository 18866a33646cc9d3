import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, errors } from 'undici';
import { isSendableHeaderValue } from './header-value.js';

/** The rule is checked against undici itself, the client the executor sends with, on a loopback server. */
describe('isSendableHeaderValue', () => {
  let server: Server;
  let client: Client;

  beforeAll(async () => {
    server = createServer((_request, response) => response.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new Client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });

  afterAll(async () => {
    await client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  async function undiciSends(value: string): Promise<boolean> {
    try {
      const response = await client.request({ path: '/', method: 'GET', headers: { 'x-probe': value } });
      await response.body.dump();
      return true;
    } catch (error) {
      if (error instanceof errors.InvalidArgumentError) return false;
      throw error;
    }
  }

  it('should accept exactly the values undici sends, character by character up to U+02FF', async () => {
    const samples = Array.from({ length: 0x300 }, (_, code) => `a${String.fromCharCode(code)}b`);
    samples.push('🚀', '\ufffd', '\u2028', '\ud800', ' leading', 'trailing\t', '');
    const disagreements: string[] = [];
    for (const value of samples) {
      if (isSendableHeaderValue(value) !== (await undiciSends(value))) disagreements.push(JSON.stringify(value));
    }
    expect(disagreements).toEqual([]);
  });

  it.each(['plain', 'Bearer abc.DEF-123_~+/=', 'caf\u00e9', '\u00ff', 'a\tb'])('should accept %j', (value) => {
    expect(isSendableHeaderValue(value)).toBe(true);
  });

  it.each(['a\u0001b', 'a\u007fb', 'a\u0100b', 'rocket 🚀', '\u2028'])('should refuse %j', (value) => {
    expect(isSendableHeaderValue(value)).toBe(false);
  });
});
