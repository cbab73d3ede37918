/**
 * The distinct libc and libssl files tool processes map. Uprobes attach to an inode, and a
 * container's library is another file than the node's: each one is found through
 * /proc/<pid>/maps, reached through /proc/<pid>/root, told apart by device and inode, and
 * its symbols listed once (cached by inode). At most `limit` files per kind.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Library } from './program.js';

const run = promisify(execFile);

export type LibraryKind = 'libc' | 'libssl';

/** The functions each kind's probes use. */
export const WANTED_SYMBOLS: Record<LibraryKind, readonly string[]> = {
  libc: ['getaddrinfo'],
  libssl: ['SSL_write', 'SSL_write_ex', 'SSL_read', 'SSL_read_ex', 'SSL_ctrl', 'SSL_free'],
};

/** What a mapped file is, from its path in /proc/<pid>/maps. */
export function libraryKind(path: string): LibraryKind | undefined {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (/^libc\.so\.6$/.test(base) || /^libc-2\.[0-9]+\.so$/.test(base)) return 'libc';
  if (/^libssl\.so\.[0-9.]+$/.test(base)) return 'libssl';
  return undefined;
}

/** The library paths in the text of a /proc/<pid>/maps file. */
export function mappedLibraries(maps: string): Array<[LibraryKind, string]> {
  const found = new Map<string, LibraryKind>();
  for (const line of maps.split('\n')) {
    const slash = line.indexOf('/');
    if (slash < 0) continue;
    const path = line.slice(slash).replace(/ \(deleted\)$/, '');
    const kind = libraryKind(path);
    if (kind !== undefined) found.set(path, kind);
  }
  return [...found].map(([path, kind]) => [kind, path]);
}

export interface FoundLibraries {
  libc: Library[];
  libssl: Library[];
  /** dev:inode of every file, for "did anything change". */
  ids: string[];
  /** Files left out because the limit was reached. */
  skipped: number;
}

const symbolCache = new Map<string, Set<string>>();

async function symbolsOf(bpftrace: string, path: string, id: string, kind: LibraryKind): Promise<Set<string>> {
  const cached = symbolCache.get(id);
  if (cached !== undefined) return cached;
  const wanted = WANTED_SYMBOLS[kind];
  const pattern = kind === 'libssl' ? 'SSL_*' : wanted[0]!;
  let symbols = new Set<string>();
  try {
    const { stdout } = await run(bpftrace, ['-l', `uprobe:${path}:${pattern}`], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    const listed = new Set(stdout.split('\n').map((line) => line.slice(line.lastIndexOf(':') + 1).trim()));
    symbols = new Set(wanted.filter((symbol) => listed.has(symbol)));
  } catch {
    // Unreadable or not an ELF file: no probes on it.
  }
  symbolCache.set(id, symbols);
  return symbols;
}

function uidOf(pid: string): number | undefined {
  try {
    return statSync(`/proc/${pid}`).uid;
  } catch {
    return undefined;
  }
}

/** Scans the processes of uids >= minUid (and the node's own libraries in `defaults`). */
export async function findLibraries(options: { bpftrace: string; minUid: number; limit: number; defaults: readonly string[] }): Promise<FoundLibraries> {
  const candidates: Array<[LibraryKind, string]> = [];
  for (const path of options.defaults) {
    const kind = libraryKind(path);
    if (kind !== undefined) candidates.push([kind, path]);
  }
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((name) => /^[0-9]+$/.test(name));
  } catch {
    // No /proc: only the defaults.
  }
  for (const pid of pids) {
    const uid = uidOf(pid);
    if (uid === undefined || uid < options.minUid) continue;
    let maps: string;
    try {
      maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
    } catch {
      continue;
    }
    for (const [kind, path] of mappedLibraries(maps)) candidates.push([kind, `/proc/${pid}/root${path}`]);
  }
  const result: FoundLibraries = { libc: [], libssl: [], ids: [], skipped: 0 };
  const seen = new Set<string>();
  for (const [kind, path] of candidates) {
    let id: string;
    try {
      const stat = statSync(path);
      id = `${stat.dev}:${stat.ino}`;
    } catch {
      continue;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    if (result[kind].length >= options.limit) {
      result.skipped++;
      continue;
    }
    const symbols = await symbolsOf(options.bpftrace, path, id, kind);
    if (symbols.size === 0) continue;
    result[kind].push({ path, symbols });
    result.ids.push(id);
  }
  result.ids.sort();
  return result;
}
