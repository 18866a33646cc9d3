import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** Global unicast (RFC 4291 §2.4): every other IPv6 block is reserved, local or special. */
const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3') as [ipaddr.IPv6, number];
/** RFC 6052 well-known NAT64 prefix; the IPv4 address is its last 32 bits. */
const NAT64_WELL_KNOWN = ipaddr.parseCIDR('64:ff9b::/96') as [ipaddr.IPv6, number];

/**
 * An IP address exactly as the socket layer will use it, or null when `text` is not one.
 * ipaddr.js reads `::a.b.c.d` (IPv4-compatible, the form libuv prints ::/96 addresses in) as
 * `::ffff:a.b.c.d` (IPv4-mapped), a different address; the URL parser serialises every IPv6
 * address in hex, so ipaddr.js only ever sees that form.
 */
export function parseIpAddress(text: string): IpAddress | null {
  if (isIPv4(text)) return ipaddr.IPv4.parse(text);
  const bare = text.split('%')[0];
  if (!isIPv6(bare)) return null;
  return ipaddr.IPv6.parse(new URL(`http://[${bare}]/`).hostname.slice(1, -1));
}

/**
 * Whether an address is public: IPv4 outside every special-purpose range, or IPv6 global
 * unicast outside the special-purpose blocks IANA lists inside 2000::/3 (documentation,
 * benchmarking, ORCHID, AMT, AS112...). IPv6 forms that carry an IPv4 address are judged by
 * where the packets really go:
 * - IPv4-mapped `::ffff:a.b.c.d` is the IPv4 address itself on a dual-stack socket;
 * - NAT64 `64:ff9b::a.b.c.d` is translated to the IPv4 address it carries (DNS64 networks give
 *   every IPv4-only name such an address, so public ones must stay reachable);
 * - 6to4 `2002:aabb:ccdd::/48` is tunnelled to the IPv4 address in bits 16–47;
 * - Teredo `2001::/32` goes through the server (bits 32–63) to the client, whose IPv4 address
 *   is the bitwise NOT of the last 32 bits: public only when both are.
 * Never public: IPv4-compatible `::a.b.c.d` and the rest of ::/8 (deprecated, routed as IPv6
 * to a reserved block, not to the IPv4 address), the local-use NAT64 prefix 64:ff9b:1::/48
 * (where the IPv4 address sits depends on the operator's prefix length) and SIIT `::ffff:0:0/96`.
 */
export function isPublicAddress(address: IpAddress): boolean {
  if (address.kind() === 'ipv4') return address.range() === 'unicast';
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'unicast') return v6.match(GLOBAL_UNICAST);
  if (range === 'ipv4Mapped') return isPublicAddress(v6.toIPv4Address());
  if (range === 'rfc6052') return v6.match(NAT64_WELL_KNOWN) && isPublicAddress(ipv4Of(v6.parts[6], v6.parts[7]));
  if (range === '6to4') return isPublicAddress(ipv4Of(v6.parts[1], v6.parts[2]));
  if (range === 'teredo') {
    const server = ipv4Of(v6.parts[2], v6.parts[3]);
    const client = ipv4Of(~v6.parts[6] & 0xffff, ~v6.parts[7] & 0xffff);
    return isPublicAddress(server) && isPublicAddress(client);
  }
  return false;
}

function ipv4Of(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
