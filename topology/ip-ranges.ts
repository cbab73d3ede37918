import { inRange, parseIpRange, type IpRange } from './ip-address.js';

function ranges(list: string[]): IpRange[] {
  return list.map((text) => parseIpRange(text)!);
}

const LOOPBACK = ranges([
  '127.0.0.0/8',
  '::1/128',
]);

// Addresses that never leave the cloud: a connect to one of them is inside WMCS, not the internet.
const PRIVATE = ranges([
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '0.0.0.0/8',
  'fc00::/7',
  'fe80::/10',
  '::/128',
]);

export type IpScope = 'loopback' | 'private' | 'public';

export function ipScope(ip: Uint8Array, version: 4 | 6): IpScope {
  if (LOOPBACK.some((range) => inRange(ip, version, range))) return 'loopback';
  if (PRIVATE.some((range) => inRange(ip, version, range))) return 'private';
  return 'public';
}
