import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import {
  ALLOW_PRIVATE_TARGETS_HINT,
  isLocalhostName,
  LOOPBACK_ADDRESSES,
  type AddressPolicy,
} from '../common/net/address-policy.js';

export const BLOCKED_ADDRESS_CODE = 'AQ_BLOCKED_ADDRESS';

export class BlockedAddressError extends Error {
  readonly code = BLOCKED_ADDRESS_CODE;

  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(`${host} resolves to a non-public address (${address}); ${ALLOW_PRIVATE_TARGETS_HINT}`);
  }
}

type LookupCallback = (error: Error | null, address: string | LookupAddress[], family?: number) => void;
interface LookupOptions {
  family?: number | 'IPv4' | 'IPv6';
  hints?: number;
  all?: boolean;
}

function familyNumber(family: LookupOptions['family']): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/**
 * A `lookup` for net/tls.connect that resolves every address of a name and refuses the connection
 * if any of them is outside the policy: the check happens at connect time, on the addresses
 * actually used, so a name cannot be re-pointed between check and use. Localhost names are not
 * looked up (RFC 6761): they connect to the loopback addresses the policy allows, and are refused
 * when it allows none, exactly as task creation judges them.
 */
export function guardedLookup(policy: AddressPolicy) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (isLocalhostName(hostname)) {
      process.nextTick(() => answerLocalhost(policy, hostname, options, callback));
      return;
    }
    dnsLookup(
      hostname,
      { all: true, family: familyNumber(options.family), hints: options.hints },
      (error, addresses) => {
        if (error) return callback(error, []);
        const blocked = addresses.find((entry) => !policy.isAllowed(entry.address));
        if (blocked) return callback(new BlockedAddressError(hostname, blocked.address), []);
        if (options.all) return callback(null, addresses);
        callback(null, addresses[0].address, addresses[0].family);
      },
    );
  };
}

function answerLocalhost(policy: AddressPolicy, hostname: string, options: LookupOptions, callback: LookupCallback) {
  const family = familyNumber(options.family);
  const candidates = LOOPBACK_ADDRESSES.filter((entry) => family === 0 || entry.family === family);
  const allowed = policy.allowedLoopback().filter((entry) => candidates.includes(entry));
  if (allowed.length === 0) {
    return callback(new BlockedAddressError(hostname, (candidates[0] ?? LOOPBACK_ADDRESSES[0]).address), []);
  }
  if (options.all)
    return callback(
      null,
      allowed.map(({ address, family }) => ({ address, family })),
    );
  callback(null, allowed[0].address, allowed[0].family);
}
