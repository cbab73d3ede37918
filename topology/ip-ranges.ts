import { BlockList } from 'node:net';

import type { ParsedHost } from './host.js';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

// Addresses that never leave the cloud: a connect to one of them is inside WMCS, not the internet.
const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['0.0.0.0', 8],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv4');
}
privateRanges.addSubnet('fc00::', 7, 'ipv6');
privateRanges.addSubnet('fe80::', 10, 'ipv6');
privateRanges.addAddress('::', 'ipv6');

export type IpScope = 'loopback' | 'private' | 'public';

export function ipScope(host: ParsedHost & { ipVersion: 4 | 6 }): IpScope {
  const type = host.ipVersion === 4 ? 'ipv4' : 'ipv6';
  if (loopback.check(host.name, type)) return 'loopback';
  if (privateRanges.check(host.name, type)) return 'private';
  return 'public';
}
