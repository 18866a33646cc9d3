import { isPublicAddress, parseIpAddress } from './public-address.js';

function isPublic(text: string): boolean {
  const address = parseIpAddress(text);
  if (!address) throw new Error(`not an address: ${text}`);
  return isPublicAddress(address);
}

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', 'public IPv4'],
    ['93.184.216.34', 'public IPv4'],
    ['2606:4700::1111', 'global unicast'],
    ['2606:4700:4700::1111', 'global unicast'],
    ['2a00:1450:4001:82b::200e', 'global unicast'],
    ['::ffff:8.8.8.8', 'IPv4-mapped, public IPv4'],
    ['64:ff9b::8.8.8.8', 'NAT64 well-known prefix, public IPv4'],
    ['64:ff9b::808:808', 'NAT64 well-known prefix, public IPv4 in hex'],
    ['2002:808:808::1', '6to4 of 8.8.8.8'],
    ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'Teredo, server 65.54.227.120, client 8.8.8.8'],
  ])('should judge %s public (%s)', (address) => {
    expect(isPublic(address)).toBe(true);
  });

  it.each([
    ['::127.0.0.1', 'IPv4-compatible loopback (::/96)'],
    ['::7f00:1', 'IPv4-compatible loopback in hex'],
    ['::a9fe:a9fe', 'IPv4-compatible link-local (metadata service)'],
    ['::8.8.8.8', 'IPv4-compatible, even of a public IPv4: routed as IPv6 into ::/8'],
    ['::2', 'inside ::/8'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:0:7f00:1', 'SIIT ::ffff:0:0/96'],
    ['64:ff9b::10.0.0.1', 'NAT64 of a private IPv4'],
    ['64:ff9b::a00:1', 'NAT64 of a private IPv4 in hex'],
    ['64:ff9b::127.0.0.1', 'NAT64 of loopback'],
    ['64:ff9b::169.254.169.254', 'NAT64 of the metadata service'],
    ['64:ff9b:1::808:808', 'local-use NAT64 (64:ff9b:1::/48): embedding unknown'],
    ['2002:c0a8:101::1', '6to4 of 192.168.1.1'],
    ['2002:7f00:1::1', '6to4 of 127.0.0.1'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo, client 192.0.2.45 (documentation)'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'Teredo, client 10.0.0.1'],
    ['2001:0:a00:1:8000:63bf:f7f7:f7f7', 'Teredo, server 10.0.0.1'],
    ['2001:db8::1', 'documentation'],
    ['3fff::1', 'documentation (RFC 9637)'],
    ['2001:2::1', 'benchmarking'],
    ['2001:10::1', 'deprecated ORCHID'],
    ['2001:20::1', 'ORCHIDv2'],
    ['2001:1::1', 'IETF protocol assignments (2001::/23)'],
    ['100::1', 'discard-only'],
    ['5f00::1', 'SRv6 SIDs'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local with a zone'],
    ['fec0::1', 'deprecated site-local'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local'],
    ['ff02::1', 'multicast'],
    ['4000::1', 'outside 2000::/3'],
    ['127.0.0.1', 'IPv4 loopback'],
    ['10.0.0.1', 'IPv4 private'],
    ['192.0.2.1', 'IPv4 documentation'],
  ])('should judge %s not public (%s)', (address) => {
    expect(isPublic(address)).toBe(false);
  });
});

describe('parseIpAddress', () => {
  it('should read ::a.b.c.d as the IPv4-compatible address it is, not as IPv4-mapped', () => {
    expect(parseIpAddress('::127.0.0.1')?.toString()).toBe('::7f00:1');
    expect(parseIpAddress('::ffff:127.0.0.1')?.toString()).toBe('::ffff:7f00:1');
  });

  it.each(['not-an-ip', '0x7f.1', '2130706433', '1.2.3', ''])('should refuse %j', (text) => {
    expect(parseIpAddress(text)).toBeNull();
  });
});
