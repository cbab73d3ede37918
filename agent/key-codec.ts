/**
 * Decodes the keys of bpftrace's JSON map output. bpftrace joins key parts with commas and
 * prints every byte >= 0x80 as `\uffffffXX` (a sign-extended char), so a key is only safe
 * to read back when its layout is known: the programs (agent/programs/) put integers
 * first and strings last, and at most one string before the last is one that cannot
 * contain a comma (a host name; a request path can, and goes last). Keys that do not fit
 * their layout are rejected, never guessed.
 */

/** What each count map's key holds, in order (see agent/programs/*.bt). */
export const KEY_LAYOUTS = {
  /** uid, cgroup, family, address hi, address lo, port, failed, host name asked for */
  conn: { ints: 7, strings: 1 },
  /** uid, cgroup, family, address hi, address lo, port, method, tls, host, path */
  req: { ints: 8, strings: 2 },
  /** as `req`: a request whose response had a failure status */
  reqf: { ints: 8, strings: 2 },
  /** uid, cgroup, family, address hi, address lo, port, protocol, host name asked for */
  q: { ints: 7, strings: 1 },
  /** uid, cgroup, path (cut after the components that name the dependency) */
  open: { ints: 2, strings: 1 },
  /** uid, cgroup, relative path (cut after 2 components, no comma), the working directory it is relative to (cut as `open`'s paths) */
  openrel: { ints: 2, strings: 2 },
} as const;
export type KeyLayout = { ints: number; strings: 1 | 2 };

export interface DecodedKey {
  ints: bigint[];
  strings: string[];
}

const MANGLED = /\uffffff([0-9a-f]{2})/g;
const INTEGER = /^-?[0-9]{1,20}$/;

/**
 * The bytes bpftrace read, from the text JSON.parse gave: `\uffffffXX` becomes byte XX
 * (a real U+FFFF cannot occur: its UTF-8 bytes would be mangled too), the result decoded
 * as UTF-8 (invalid sequences become U+FFFD).
 */
export function unmangle(text: string): string {
  if (!text.includes('\uffff')) return text;
  const bytes: number[] = [];
  let last = 0;
  for (const match of text.matchAll(MANGLED)) {
    for (const byte of Buffer.from(text.slice(last, match.index), 'utf8')) bytes.push(byte);
    bytes.push(parseInt(match[1]!, 16));
    last = match.index! + match[0].length;
  }
  for (const byte of Buffer.from(text.slice(last), 'utf8')) bytes.push(byte);
  return Buffer.from(bytes).toString('utf8');
}

/** A key as JSON.parse returned it -> its parts, or undefined when it does not fit `layout`. */
export function decodeKey(key: string, layout: KeyLayout): DecodedKey | undefined {
  const ints: bigint[] = [];
  let rest = key;
  for (let i = 0; i < layout.ints; i++) {
    const comma = rest.indexOf(',');
    if (comma < 0) return undefined;
    const text = rest.slice(0, comma);
    if (!INTEGER.test(text)) return undefined;
    // bpftrace prints some u64 values signed; the programs mean them unsigned.
    ints.push(BigInt.asUintN(64, BigInt(text)));
    rest = rest.slice(comma + 1);
  }
  if (layout.strings === 1) return { ints, strings: [unmangle(rest)] };
  const comma = rest.indexOf(',');
  if (comma < 0) return undefined;
  const last = rest.slice(comma + 1);
  // The last string is a request path: it starts with '/' or '*' (or is empty). Anything
  // else means the first one held a comma, and the split point is unknown.
  if (last !== '' && !last.startsWith('/') && !last.startsWith('*')) return undefined;
  return { ints, strings: [unmangle(rest.slice(0, comma)), unmangle(last)] };
}
