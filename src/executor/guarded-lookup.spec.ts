import type { LookupAddress } from 'node:dns';
import type { ConfigService } from '@nestjs/config';
import { AddressPolicy } from '../common/net/address-policy.js';
import { buildConfiguration, type AppConfiguration } from '../config/configuration.js';
import { BlockedAddressError, guardedLookup } from './guarded-lookup.js';

function lookupAllowing(allowed: string) {
  const config = buildConfiguration({ ALLOWED_PRIVATE_TARGETS: allowed });
  return guardedLookup(
    new AddressPolicy({ get: () => config.executor } as unknown as ConfigService<AppConfiguration, true>),
  );
}

function resolve(
  allowed: string,
  hostname: string,
  options: { family?: number; all?: boolean } = { all: true },
): Promise<LookupAddress[]> {
  return new Promise((done, fail) => {
    lookupAllowing(allowed)(hostname, options, (error, addresses) => {
      if (error) fail(error);
      else done(Array.isArray(addresses) ? addresses : [{ address: addresses, family: 0 }]);
    });
  });
}

describe('guardedLookup', () => {
  it('should connect a localhost name to the allowed loopback addresses only, without asking DNS', async () => {
    await expect(resolve('127.0.0.1/32', 'localhost')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(resolve('::1/128', 'api.localhost')).resolves.toEqual([{ address: '::1', family: 6 }]);
    await expect(resolve('127.0.0.1/32,::1/128', 'localhost')).resolves.toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    await expect(resolve('127.0.0.1/32,::1/128', 'localhost', { family: 6 })).resolves.toEqual([
      { address: '::1', family: 0 },
    ]);
  });

  it('should refuse a localhost name with the hint when no loopback address is allowed', async () => {
    const refusal = resolve('10.0.0.0/8', 'localhost');
    await expect(refusal).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(refusal).rejects.toThrow(
      'localhost resolves to a non-public address (127.0.0.1); allow it with ALLOWED_PRIVATE_TARGETS',
    );
    await expect(resolve('127.0.0.1/32', 'localhost', { family: 6, all: true })).rejects.toThrow(
      'localhost resolves to a non-public address (::1)',
    );
  });
});
