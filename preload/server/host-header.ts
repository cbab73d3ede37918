import type { RequestFacts } from './server-span.js';

/** Where the port's colon is in a Host header (after any `]` of an IPv6 literal), or -1. A loop: `lastIndexOf` is a runtime call. */
function portColon(host: string): number {
  for (let i = host.length - 1; i >= 0; i--) {
    const c = host.charCodeAt(i);
    if (c === 58) return i; // ':'
    if (c === 93) return -1; // ']'
  }
  return -1;
}

/** The Host header's name and port (`name`, `name:port`, `[v6]`, `[v6]:port`) into `facts`; nothing when it is malformed. */
export function setHostAndPort(facts: Pick<RequestFacts, 'host' | 'port'>, host: string | undefined): void {
  if (host === undefined) return;
  const colon = portColon(host);
  const hasPort = colon !== -1;
  const port = hasPort ? Number(host.slice(colon + 1)) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) return;
  const name = hasPort ? host.slice(0, colon) : host;
  if (name.includes(':') && !name.startsWith('[')) return;
  facts.host = name;
  facts.port = port;
}
