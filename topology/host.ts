import { domainToASCII } from 'node:url';

import { formatIpv4, formatIpv6, isIpv4Mapped, parseIpv4, parseIpv6 } from './ip-address.js';

/** A destination host reduced to the form the rules match: lowercase, no port, no brackets, no trailing dot. */
export interface ParsedHost {
  name: string;
  port?: number;
  /** 4 or 6 when the host is an IP literal (IPv4-mapped IPv6 is reported as its IPv4 address); name is then canonical. */
  ipVersion?: 4 | 6;
  /** The address as 16 bytes (IPv4 in the last 4), present exactly when ipVersion is. */
  ip?: Uint8Array;
}

// Labels of 1-63 characters (underscores allowed: real names such as SRV-style ones use them).
const CLEAN_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const MAX_NAME = 253;
const PORT = /^[0-9]{1,5}$/;
const MAX_INPUT = 1024;

/** Parses what a client knew as the host (`name`, `name:port`, `[v6]:port`, bare v6, `user@name`); undefined when it is not a host. */
export function parseHost(raw: unknown): ParsedHost | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_INPUT) return undefined;
  // The common case (a clean lowercase name from a URL) costs one regex test.
  if (raw.length <= MAX_NAME && CLEAN_NAME.test(raw)) return nameOrIp(raw, undefined);

  let text = raw.trim();
  const at = text.lastIndexOf('@');
  if (at >= 0) text = text.slice(at + 1);
  let port: number | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    const after = text.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) return undefined;
      port = parsePort(after.slice(1));
      if (port === undefined) return undefined;
    }
    return ipv6(text.slice(1, close), port);
  }
  const firstColon = text.indexOf(':');
  if (firstColon >= 0) {
    if (text.indexOf(':', firstColon + 1) >= 0) return ipv6(text, undefined);
    port = parsePort(text.slice(firstColon + 1));
    if (port === undefined) return undefined;
    text = text.slice(0, firstColon);
  }
  text = text.toLowerCase();
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (text === '') return undefined;
  if (!CLEAN_NAME.test(text)) {
    // Internationalized names arrive as Unicode in Host headers; the rules speak punycode.
    if (/^\p{ASCII}*$/u.test(text)) return undefined;
    text = domainToASCII(text);
    if (!CLEAN_NAME.test(text)) return undefined;
  }
  return text.length <= MAX_NAME ? nameOrIp(text, port) : undefined;
}

function nameOrIp(name: string, port: number | undefined): ParsedHost {
  // Only a name ending in a digit can be an IPv4 literal; top-level domains never do.
  const last = name.charCodeAt(name.length - 1);
  const ip = last >= 48 && last <= 57 ? parseIpv4(name) : undefined;
  const parsed: ParsedHost = ip ? { name, ipVersion: 4, ip } : { name };
  if (port !== undefined) parsed.port = port;
  return parsed;
}

function ipv6(text: string, port: number | undefined): ParsedHost | undefined {
  // A zone index (fe80::1%eth0) names a local interface, not a destination.
  const percent = text.indexOf('%');
  const ip = parseIpv6(percent < 0 ? text : text.slice(0, percent));
  if (!ip) return undefined;
  const parsed: ParsedHost = isIpv4Mapped(ip)
    ? { name: formatIpv4(ip), ipVersion: 4, ip }
    : { name: formatIpv6(ip), ipVersion: 6, ip };
  if (port !== undefined) parsed.port = port;
  return parsed;
}

function parsePort(text: string): number | undefined {
  if (!PORT.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}
