/**
 * What one decoded map key is, in graph terms: the destination named by topology/ (the
 * same classifier the preload uses, no rule of its own) and the unit one count stands for.
 * Pure.
 */
import { posix } from 'node:path';
import { classifyDestination, classifyPath, type Destination, type DestinationTarget, type Profile } from '../topology/index.js';
import type { AgentUnit } from '../contract/dependency-series.js';
import type { DecodedKey } from './key-codec.js';
import type { CountMap } from './program.js';

export interface NamedEvent {
  uid: number;
  cgroup: bigint;
  destination: Destination;
  unit: AgentUnit;
  failed: boolean;
  /** A failure of an event another map counted already (a response's status: the request was counted in `req`). */
  failureOnly: boolean;
}

const AF_INET = 2n;
const AF_INET6 = 10n;

/** The address the kernel saw, from the two little-endian words the programs store; '' when none. */
export function addressText(family: bigint, hi: bigint, lo: bigint): string {
  const bytes = (word: bigint, count: number): number[] => Array.from({ length: count }, (_, i) => Number((word >> BigInt(8 * i)) & 0xffn));
  if (family === AF_INET) return bytes(lo, 4).join('.');
  if (family === AF_INET6) {
    const all = [...bytes(hi, 8), ...bytes(lo, 8)];
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(((all[i]! << 8) | all[i + 1]!).toString(16));
    return groups.join(':');
  }
  return '';
}

/** The host as the client knew it: the name it asked for (or sent), else the address it connected to. */
function target(name: string, family: bigint, hi: bigint, lo: bigint, port: bigint): DestinationTarget {
  const address = addressText(family, hi, lo);
  const host = name !== '' ? name : family === AF_INET6 ? `[${address}]` : address;
  const result: DestinationTarget = { host };
  if (port > 0n && port < 65536n) result.port = Number(port);
  return result;
}

const DB_SYSTEMS: Record<string, { dbSystem: string; unit: AgentUnit }> = {
  '1': { dbSystem: 'mysql', unit: 'query' },
  '2': { dbSystem: 'redis', unit: 'command' },
};

export function nameEvent(map: CountMap, key: DecodedKey, profile: Profile): NamedEvent | undefined {
  const [uid, cgroup] = key.ints as [bigint, bigint];
  const base = { uid: Number(uid), cgroup, failureOnly: false };
  switch (map) {
    case 'conn': {
      const [, , family, hi, lo, port, failed] = key.ints as bigint[] as [bigint, bigint, bigint, bigint, bigint, bigint, bigint];
      return { ...base, destination: classifyDestination(target(key.strings[0]!, family, hi, lo, port), profile), unit: 'connection', failed: failed !== 0n };
    }
    case 'req':
    case 'reqf': {
      const [, , family, hi, lo, port] = key.ints as [bigint, bigint, bigint, bigint, bigint, bigint];
      const t = target(key.strings[0]!, family, hi, lo, port);
      t.path = key.strings[1]!;
      const failed = map === 'reqf';
      return { ...base, destination: classifyDestination(t, profile), unit: 'request', failed, failureOnly: failed };
    }
    case 'q': {
      const [, , family, hi, lo, port, protocol] = key.ints as [bigint, bigint, bigint, bigint, bigint, bigint, bigint];
      const system = DB_SYSTEMS[protocol.toString()];
      if (system === undefined) return undefined;
      const t = target(key.strings[0]!, family, hi, lo, port);
      t.dbSystem = system.dbSystem;
      return { ...base, destination: classifyDestination(t, profile), unit: system.unit, failed: false };
    }
    case 'open':
    case 'openrel': {
      const path = map === 'open' ? key.strings[0]! : posix.join(key.strings[1]!, key.strings[0]!);
      const destination = classifyPath(path, profile);
      return destination === undefined ? undefined : { ...base, destination, unit: 'open', failed: false };
    }
  }
}

/** A tool reading its own home is not a dependency. */
export function isOwnFiles(event: NamedEvent, tool: string): boolean {
  return event.unit === 'open' && event.destination.kind === 'tool' && event.destination.node === tool;
}
