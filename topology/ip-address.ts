/**
 * IP literals as 16 bytes (IPv4 in the last 4) with prefix tests, parsed by hand in one pass:
 * the classifier meets IP literals on hot paths (the agent's connects), and node's BlockList and
 * ipaddr.js cost 0.7-2.6 microseconds per address where this costs well under one.
 */
export interface IpRange {
  readonly bytes: Uint8Array;
  readonly prefix: number;
  readonly version: 4 | 6;
}

export function parseIpv4(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(16);
  return writeIpv4(text, 0, bytes, 12) ? bytes : undefined;
}

/** Dotted quad at text[from..] into bytes[offset..offset+3]; no leading '+', no empty parts, each <= 255. */
function writeIpv4(text: string, from: number, bytes: Uint8Array, offset: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return false; // leading zeros are octal to some parsers: refuse
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else if (c === 46 && digits > 0 && part < 3) {
      bytes[offset + part++] = value;
      value = 0;
      digits = 0;
    } else {
      return false;
    }
  }
  if (digits === 0 || part !== 3) return false;
  bytes[offset + 3] = value;
  return true;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** RFC 4291 text forms, including `::` and an embedded IPv4 tail; no zone index. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const words: number[] = [];
  const bytes = new Uint8Array(16);
  let gap = -1;
  let value = 0;
  let digits = 0;
  let i = 0;
  let v4Tail = false;
  const n = text.length;
  if (n < 2) return undefined;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
  }
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    const hex = hexValue(c);
    if (hex >= 0) {
      if (++digits > 4) return undefined;
      value = value * 16 + hex;
    } else if (c === 58) {
      if (digits === 0) return undefined;
      words.push(value);
      value = 0;
      digits = 0;
      if (text.charCodeAt(i + 1) === 58) {
        if (gap >= 0) return undefined;
        gap = words.length;
        i++;
      } else if (i === n - 1) {
        return undefined;
      }
    } else if (c === 46) {
      const start = i - digits;
      // The tail always ends the address: bytes 12-15 are its place.
      if (digits === 0 || !writeIpv4(text, start, bytes, 12)) return undefined;
      words.push((bytes[12]! << 8) | bytes[13]!, (bytes[14]! << 8) | bytes[15]!);
      v4Tail = true;
      digits = 0;
      break;
    } else {
      return undefined;
    }
  }
  if (!v4Tail && digits > 0) words.push(value);
  if (gap < 0 ? words.length !== 8 : words.length > 7) return undefined;
  const fill = gap < 0 ? 0 : 8 - words.length;
  for (let w = 0, slot = 0; w < words.length; w++, slot++) {
    if (w === gap) slot += fill;
    bytes[slot * 2] = words[w]! >> 8;
    bytes[slot * 2 + 1] = words[w]! & 0xff;
  }
  return bytes;
}

/** True for `::ffff:a.b.c.d`. */
export function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

export function formatIpv4(bytes: Uint8Array): string {
  return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
}

/** RFC 5952 canonical text: lowercase, no leading zeros, the longest run (2+) of zero groups as `::`. */
export function formatIpv6(bytes: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      text += i === 0 ? '::' : ':';
      i += bestLength - 1;
      continue;
    }
    text += words[i]!.toString(16) + (i < 7 ? ':' : '');
  }
  return text;
}

/** `10.0.0.0/8`, `fd00::/8`; undefined if malformed. */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const prefixText = text.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  const address = text.slice(0, slash);
  const v4 = parseIpv4(address);
  if (v4) return prefix <= 32 ? { bytes: v4, prefix, version: 4 } : undefined;
  const v6 = parseIpv6(address);
  return v6 && prefix <= 128 ? { bytes: v6, prefix, version: 6 } : undefined;
}

export function inRange(bytes: Uint8Array, version: 4 | 6, range: IpRange): boolean {
  if (version !== range.version) return false;
  let bits = range.prefix;
  for (let i = version === 4 ? 12 : 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}
