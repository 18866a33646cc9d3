import type { ConfigService } from '@nestjs/config';
import { buildConfiguration, type AppConfiguration } from '../../config/configuration.js';
import { AddressPolicy, ipLiteralOf, isLocalhostName } from './address-policy.js';

function policy(allowed = ''): AddressPolicy {
  const config = buildConfiguration({ ALLOWED_PRIVATE_TARGETS: allowed });
  return new AddressPolicy({
    get: () => config.executor,
  } as unknown as ConfigService<AppConfiguration, true>);
}

describe('AddressPolicy', () => {
  const sut = policy();

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1'])(
    'should allow the public address %s',
    (address) => {
      expect(sut.isAllowed(address)).toBe(true);
    },
  );

  it.each([
    '127.0.0.1',
    '127.5.5.5',
    '10.0.0.1',
    '172.16.0.1',
    '192.168.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::127.0.0.1',
    '::7f00:1',
    '::a9fe:a9fe',
    '::2',
    '64:ff9b::a00:1',
    '2002:c0a8:101::1',
    '2001:0:4136:e378:8000:63bf:f5ff:fffe',
    '2001:db8::1',
    'ff02::1',
    'not-an-ip',
  ])('should refuse the non-public address %s', (address) => {
    expect(sut.isAllowed(address)).toBe(false);
  });

  it('should allow non-public addresses inside ALLOWED_PRIVATE_TARGETS only', () => {
    const allowing = policy('127.0.0.1/32,fd00::/8');
    expect(allowing.isAllowed('127.0.0.1')).toBe(true);
    expect(allowing.isAllowed('::ffff:127.0.0.1')).toBe(true);
    expect(allowing.isAllowed('fd00::5')).toBe(true);
    expect(allowing.isAllowed('127.0.0.2')).toBe(false);
    expect(allowing.isAllowed('::1')).toBe(false);
  });

  it('should match IPv6 forms that carry an IPv4 address only against IPv6 ranges', () => {
    const allowing = policy('127.0.0.1/32,10.0.0.0/8');
    expect(allowing.isAllowed('::ffff:127.0.0.1')).toBe(true);
    for (const address of ['::127.0.0.1', '::7f00:1', '64:ff9b::a00:1', '2002:a00:1::1']) {
      expect(allowing.isAllowed(address)).toBe(false);
    }
    expect(policy('64:ff9b::/96').isAllowed('64:ff9b::a00:1')).toBe(true);
  });

  it('should read IP literals out of URL hostnames, in every spelling the URL parser accepts', () => {
    expect(ipLiteralOf(new URL('http://0x7f.1/').hostname)).toBe('127.0.0.1');
    expect(ipLiteralOf(new URL('http://2130706433/').hostname)).toBe('127.0.0.1');
    expect(ipLiteralOf(new URL('http://017700000001/').hostname)).toBe('127.0.0.1');
    expect(ipLiteralOf(new URL('http://[::ffff:127.0.0.1]/').hostname)).toBe('::ffff:7f00:1');
    expect(ipLiteralOf(new URL('http://example.com/').hostname)).toBeNull();
  });

  it('should name the refused literal of a hostname, the same way every time it is asked', () => {
    const allowing = policy('127.0.0.1/32');
    for (let round = 0; round < 2; round += 1) {
      expect(allowing.refusedAddress('127.0.0.1')).toBeNull();
      expect(allowing.refusedAddress('10.0.0.1')).toBe('10.0.0.1');
      expect(allowing.refusedAddress('[::1]')).toBe('::1');
      expect(allowing.refusedAddress('93.184.216.34')).toBeNull();
      expect(allowing.refusedAddress('example.com')).toBeNull();
    }
  });

  it.each(['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'a.b.localhost.'])(
    'should treat %s as a loopback name (RFC 6761)',
    (hostname) => {
      expect(isLocalhostName(hostname)).toBe(true);
    },
  );

  it.each(['localhost.example.com', 'mylocalhost', 'localhostx', 'example.com', '127.0.0.1'])(
    'should not treat %s as a loopback name',
    (hostname) => {
      expect(isLocalhostName(hostname)).toBe(false);
    },
  );

  it('should refuse localhost names like 127.0.0.1 unless a loopback address is allowed', () => {
    for (const hostname of ['localhost', 'api.localhost', 'localhost.']) {
      expect(sut.refusedAddress(hostname)).toBe('127.0.0.1');
      expect(policy('127.0.0.1/32').refusedAddress(hostname)).toBeNull();
      expect(policy('::1/128').refusedAddress(hostname)).toBeNull();
      expect(policy('127.0.0.0/8').refusedAddress(hostname)).toBeNull();
      expect(policy('10.0.0.0/8').refusedAddress(hostname)).toBe('127.0.0.1');
    }
  });

  it('should list only the loopback addresses it allows', () => {
    expect(sut.allowedLoopback()).toEqual([]);
    expect(policy('::1/128').allowedLoopback()).toEqual([{ address: '::1', family: 6 }]);
    expect(
      policy('127.0.0.1/32,::1/128')
        .allowedLoopback()
        .map((entry) => entry.address),
    ).toEqual(['127.0.0.1', '::1']);
  });
});
