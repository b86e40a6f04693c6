import { BlockList, isIP } from 'node:net';

/**
 * Which network addresses a server-side fetch of a client-supplied URL may reach (SSRF defence for
 * Client ID Metadata Documents). Only public unicast addresses, unless the host is explicitly
 * allow-listed or loopback is allowed for tests.
 */
export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'reserved';

const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

const linkLocal = new BlockList();
linkLocal.addSubnet('169.254.0.0', 16, 'ipv4');
linkLocal.addSubnet('fe80::', 10, 'ipv6');

const privateNets = new BlockList();
for (const [net, bits] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
] as const) {
  privateNets.addSubnet(net, bits, 'ipv4');
}
privateNets.addSubnet('fc00::', 7, 'ipv6');

const reserved = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  reserved.addSubnet(net, bits, 'ipv4');
}
reserved.addAddress('::', 'ipv6');
reserved.addSubnet('ff00::', 8, 'ipv6');
reserved.addSubnet('2001:db8::', 32, 'ipv6');
reserved.addSubnet('100::', 64, 'ipv6');

/** IPv4 embedded in IPv6 forms an attacker could use to dress up a private address. */
function embeddedIpv4(ip: string): string | null {
  const lower = ip.toLowerCase();
  const mapped = /^(?:::ffff:|::ffff:0:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return mapped[1]!;
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hex) {
    const hi = parseInt(hex[1]!, 16);
    const lo = parseInt(hex[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return null;
}

export function classifyAddress(ip: string): AddressClass {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'reserved';
  if (family === 6) {
    const v4 = embeddedIpv4(bare);
    if (v4) return classifyAddress(v4);
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (METADATA.has(bare.toLowerCase())) return 'metadata';
  if (loopback.check(bare, type)) return 'loopback';
  if (linkLocal.check(bare, type)) return 'link-local';
  if (privateNets.check(bare, type)) return 'private';
  if (reserved.check(bare, type)) return 'reserved';
  return 'public';
}

export interface AddressPolicy {
  allowLoopback: boolean;
  /** Host names that may resolve anywhere (an operator's explicit decision). */
  allowedHosts: string[];
}

/** Null when the address may be fetched, else the reason it may not. */
export function addressRefusal(host: string, ip: string, policy: AddressPolicy): string | null {
  if (policy.allowedHosts.some((h) => h.toLowerCase() === host.toLowerCase())) return null;
  const cls = classifyAddress(ip);
  if (cls === 'public') return null;
  if (cls === 'loopback' && policy.allowLoopback) return null;
  return `${host} resolves to ${ip}, a ${cls} address; client metadata documents must be on public addresses`;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h.endsWith('.localhost') || (isIP(h) !== 0 && classifyAddress(h) === 'loopback')
  );
}
