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
  /** Verdicts of refusedLiteral() by hostname; the policy never changes while the process runs. */
  private readonly literalVerdicts = new Map<string, string | null>();

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

  /**
   * The IP literal a URL hostname holds when this policy refuses it; null when the hostname is
   * an allowed literal or a name (names are judged at connect time). Remembered per hostname:
   * tasks call the same few hosts over and over, and parsing the address was a visible share of
   * each call's CPU.
   */
  refusedLiteral(hostname: string): string | null {
    let verdict = this.literalVerdicts.get(hostname);
    if (verdict === undefined) {
      const literal = ipLiteralOf(hostname);
      verdict = literal && !this.isAllowed(literal) ? literal : null;
      if (this.literalVerdicts.size >= MAX_REMEMBERED_HOSTNAMES) this.literalVerdicts.clear();
      this.literalVerdicts.set(hostname, verdict);
    }
    return verdict;
  }
}

const MAX_REMEMBERED_HOSTNAMES = 10_000;

/** The IP literal a URL hostname holds (brackets removed), or null when it is a name. */
export function ipLiteralOf(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return ipaddr.isValid(bare) ? bare : null;
}
