import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import ipaddr from 'ipaddr.js';
import type { AppConfiguration, Cidr } from '../../config/configuration.js';
import { isPublicAddress, parseIpAddress } from './public-address.js';

/**
 * Which addresses tasks may reach: public ones only (see isPublicAddress), unless inside
 * ALLOWED_PRIVATE_TARGETS. An IPv4-mapped IPv6 address is matched against the list as the IPv4
 * address it is; every other IPv6 form only by IPv6 ranges.
 */
@Injectable()
export class AddressPolicy {
  private readonly allowed: Cidr[];
  /** Verdicts of refusedAddress() by hostname; the policy never changes while the process runs. */
  private readonly verdicts = new Map<string, string | null>();

  constructor(config: ConfigService<AppConfiguration, true>) {
    this.allowed = config.get('executor', {
      infer: true,
    }).allowedPrivateTargets;
  }

  isAllowed(address: string): boolean {
    const parsed = parseIpAddress(address);
    if (!parsed) return false;
    if (isPublicAddress(parsed)) return true;
    const judged = parsed instanceof ipaddr.IPv6 && parsed.isIPv4MappedAddress() ? parsed.toIPv4Address() : parsed;
    return this.allowed.some(([range, bits]) => judged.kind() === range.kind() && judged.match(range, bits));
  }

  /** The loopback addresses a localhost name stands for that this policy allows (see isLocalhostName). */
  allowedLoopback(): readonly LoopbackAddress[] {
    return LOOPBACK_ADDRESSES.filter((entry) => this.isAllowed(entry.address));
  }

  /**
   * The address a URL hostname is refused for, judged without DNS: an IP literal outside the
   * policy, or 127.0.0.1 for a localhost name when no loopback address is allowed. Null for an
   * allowed literal or localhost name, and for every other name (names are judged at connect
   * time). Creation and every hop of a call ask this same question, so they cannot disagree.
   * Remembered per hostname: tasks call the same few hosts over and over, and parsing the
   * address was a visible share of each call's CPU.
   */
  refusedAddress(hostname: string): string | null {
    let verdict = this.verdicts.get(hostname);
    if (verdict === undefined) {
      verdict = this.judge(hostname);
      if (this.verdicts.size >= MAX_REMEMBERED_HOSTNAMES) this.verdicts.clear();
      this.verdicts.set(hostname, verdict);
    }
    return verdict;
  }

  private judge(hostname: string): string | null {
    if (isLocalhostName(hostname)) return this.allowedLoopback().length > 0 ? null : LOOPBACK_ADDRESSES[0].address;
    const literal = ipLiteralOf(hostname);
    return literal && !this.isAllowed(literal) ? literal : null;
  }
}

const MAX_REMEMBERED_HOSTNAMES = 10_000;

/** What the operator sets to let tasks reach a non-public address; every refusal names it. */
export const ALLOW_PRIVATE_TARGETS_HINT = 'allow it with ALLOWED_PRIVATE_TARGETS';

export interface LoopbackAddress {
  address: string;
  family: 4 | 6;
}

/** IPv4 first: most local servers listen on 127.0.0.1 at least. */
export const LOOPBACK_ADDRESSES: readonly LoopbackAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/**
 * RFC 6761 §6.3: `localhost` and every name under it mean the loopback addresses, whatever a
 * resolver or /etc/hosts says; they are judged like 127.0.0.1 and ::1 at creation and at
 * connect time, without DNS. A fully qualified `localhost.` is the same name.
 */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** The IP literal a URL hostname holds (brackets removed), or null when it is a name. */
export function ipLiteralOf(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) ? bare : null;
}
