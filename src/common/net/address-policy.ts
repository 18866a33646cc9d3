import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import ipaddr from 'ipaddr.js';
import type { AppConfiguration, Cidr } from '../../config/configuration.js';

/**
 * Which addresses tasks may reach: public unicast only, unless inside ALLOWED_PRIVATE_TARGETS.
 * IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
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
    if (!ipaddr.isValid(address)) return false;
    const parsed = ipaddr.process(address);
    if (parsed.range() === 'unicast') return true;
    return this.allowed.some(([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits));
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
