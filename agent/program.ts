/**
 * Builds the one bpftrace program the daemon runs from the files in agent/programs/: the
 * placeholders there are filled with what this node has (which libc and libssl files tool
 * processes map, which NFS prefixes, which processes opted out before we started). Pure:
 * the daemon passes in what it found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLIENT_OK_STATUS } from '../contract/http-client-status.js';
import { DISABLED_ENV } from '../contract/preload-env.js';
import { PRELOAD_RUNS_PID } from '../contract/preload-runs.js';

// agent/programs/ next to this module (tsx), or from the bundled dist/cli.js, ../agent/programs/.
const DIR = [new URL('./programs/', import.meta.url), new URL('../agent/programs/', import.meta.url)].map((url) => fileURLToPath(url)).find((dir) => existsSync(`${dir}tcp.bt`));
const part = (name: string): string => {
  if (DIR === undefined) throw new Error('agent/programs/ not found next to the agent code or the bundled CLI');
  return readFileSync(DIR + name, 'utf8');
};

/** The signal groups; each can be left out when what it needs is missing. */
export const PROBE_GROUPS = ['marks', 'tcp', 'dns', 'tls', 'writes', 'files'] as const;
export type ProbeGroup = (typeof PROBE_GROUPS)[number];

/** The counting maps the reader decodes, and their key layout (see key-codec.ts). */
export const COUNT_MAPS = {
  conn: 'tcp',
  req: 'writes',
  /** Requests whose response had a failure status: each also counted in `req`. */
  reqf: 'writes',
  q: 'writes',
  open: 'files',
  openrel: 'files',
} as const satisfies Record<string, ProbeGroup>;
export type CountMap = keyof typeof COUNT_MAPS;

/** A library file that tool processes map, as a path the probes can attach through. */
export interface Library {
  /** e.g. /proc/1234/root/usr/lib/x86_64-linux-gnu/libssl.so.3, or the node's own path. */
  path: string;
  /** The functions present in it (only those are attached). */
  symbols: ReadonlySet<string>;
}

export interface ProgramInput {
  groups: ReadonlySet<ProbeGroup>;
  minUid: number;
  intervalSeconds: number;
  /** Key every event by cgroup id too (Cloud VPS: the client is the systemd unit). */
  keyByCgroup: boolean;
  nfsPrefixes: readonly string[];
  libc: readonly Library[];
  libssl: readonly Library[];
  /** pid -> 1 (opted out) or 2 (runs the preload), for processes started before us. */
  seedMarks: ReadonlyMap<number, 1 | 2>;
  /** BPFTRACE_STRLEN the program runs with. */
  strlen: number;
  /** Bytes of an HTTP request searched for the Host header. */
  headerScanBytes: number;
  /** The daemon's pid as the kernel numbers it: only its own readlink/kill/getpriority calls tell the program things. */
  daemonPid: number;
}

/** Characters allowed inside a string literal of the program (prefixes, marker): no quoting needed. */
export const SAFE_LITERAL = /^[A-Za-z0-9/._+=:@-]+$/;

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`program template: no value for ${whole}`);
    return value;
  });
}

/** The little-endian integer of up to 8 ASCII characters, as a load from memory holding them gives. */
export function word(text: string): string {
  let value = 0n;
  for (let i = Math.min(text.length, 8) - 1; i >= 0; i--) value = (value << 8n) | BigInt(text.charCodeAt(i));
  return `0x${value.toString(16)}`;
}

/** `<DISABLED_ENV>=` as the four words marks.bt compares (it is written for a 27-character name). */
function disabledWords(): Record<string, string> {
  const text = `${DISABLED_ENV}=`;
  if (text.length !== 27) throw new Error(`marks.bt compares a 27-character "${DISABLED_ENV}="; adapt it to the new name`);
  return { W_TOOLFORG: word(text.slice(0, 8)), W_E_TRACIN: word(text.slice(8, 16)), W_G_DISABL: word(text.slice(16, 24)), W_ED_EQ: word(text.slice(24)) };
}

/**
 * The string at `$a` starts with `text`, compared 8 bytes at a time (`$w` holds the first 8):
 * no string copy, and few branches for the verifier (bpftrace's strncmp is a byte loop).
 */
export function startsWith(text: string): string {
  const parts: string[] = [];
  for (let at = 0; at < text.length; at += 8) {
    const chunk = text.slice(at, at + 8);
    const load = at === 0 ? '$w' : `*(uint64 *)($a + ${at})`;
    parts.push(chunk.length === 8 ? `${load} == ${word(chunk)}` : `(${load} & 0x${'ff'.repeat(chunk.length)}) == ${word(chunk)}`);
  }
  return parts.join(' && ');
}

function attach(libraries: readonly Library[], kind: 'uprobe' | 'uretprobe', symbol: string): string {
  return libraries
    .filter((library) => library.symbols.has(symbol))
    .map((library) => `${kind}:${library.path}:${symbol}`)
    .join(',\n');
}

/** Components of a prefix (a trailing partial one, like `dumps-`, counts) + 2. */
export function cutDepth(prefix: string): number {
  return prefix.split('/').filter((segment) => segment !== '').length + 2;
}

/** Which groups can run with these libraries (tls needs a libssl with SSL_write, dns a libc with getaddrinfo). */
export function runnableGroups(input: Pick<ProgramInput, 'groups' | 'libc' | 'libssl'>): Set<ProbeGroup> {
  const groups = new Set(input.groups);
  if (!input.libc.some((l) => l.symbols.has('getaddrinfo'))) groups.delete('dns');
  if (!input.libssl.some((l) => l.symbols.has('SSL_write') || l.symbols.has('SSL_write_ex'))) groups.delete('tls');
  // Both count on the sockets tcp.bt remembers.
  if (!groups.has('tcp')) {
    groups.delete('writes');
    groups.delete('tls');
  }
  return groups;
}

export function buildProgram(input: ProgramInput): string {
  const groups = runnableGroups(input);
  if (!Number.isSafeInteger(input.daemonPid) || input.daemonPid <= 0) throw new Error(`daemon pid ${input.daemonPid}: a positive integer`);
  const common = {
    DAEMON_PID: String(input.daemonPid),
    MIN_UID: String(input.minUid),
    CGROUP: input.keyByCgroup ? 'cgroup' : '(uint64)0',
    STRLEN_MINUS_ONE: String(input.strlen - 1),
    HEADER_SCAN: String(input.headerScanBytes),
  };
  const words = (bytes: number): string => String(Math.ceil(bytes / 8));
  const httpParse = fill(part('http-parse.inc'), {
    ...common,
    PATH_WORDS: words(input.strlen),
    HOST_WORDS: words(input.strlen),
    LOWEST_BYTE: part('lowest-byte.inc').replace(/\n$/, ''),
  }).replace(/\n$/, '');
  const responseStatus = fill(part('response-status.inc'), {
    W_HTTP: word('HTTP/1.'),
    OK_FROM: String(CLIENT_OK_STATUS.from),
    OK_BELOW: String(CLIENT_OK_STATUS.below),
  }).replace(/\n$/, '');
  // Responses over TLS: SSL_read returns the byte count, SSL_read_ex writes it through its 4th argument.
  const reads = groups.has('tls') && groups.has('writes')
    ? [
        { READ_FUNCTION: 'SSL_read', READ_BYTES: '(uint64)0' },
        { READ_FUNCTION: 'SSL_read_ex', READ_BYTES: '(uint64)arg3' },
      ].filter((r) => input.libssl.some((l) => l.symbols.has(r.READ_FUNCTION)))
    : [];
  const files = groups.has('files') && input.nfsPrefixes.length > 0;
  const out: string[] = [];

  const seeds = [...input.seedMarks].map(([pid, mark]) => `  @mark[${pid}] = ${mark};`);
  // Maps a probe reads but only an absent group writes get their type here.
  const declarations: string[] = [];
  if (!groups.has('tls')) declarations.push('  @tlson[0] = 0;');
  if (!groups.has('tls') || !groups.has('writes')) declarations.push('  @tlssk[0] = (uint64)0;');
  if (!groups.has('writes') && !groups.has('tls')) declarations.push('  @busy[0] = 0;');
  if (!groups.has('tls')) declarations.push('  @tlsw[0] = ((uint64)0, (int64)0, (uint64)0);', '  @sni[0] = "";');
  // tls-sni.bt's SSL_free drops a waiting request (http.bt keeps them, with the writes).
  if (!groups.has('writes')) declarations.push('  @rq[(uint64)0, (uint64)0] = ((uint64)0, (uint64)0);', '  @rqhost[(uint64)0, (uint64)0] = "";', '  @rqpath[(uint64)0, (uint64)0] = "";');
  if (!groups.has('dns')) declarations.push('  @dns[0, 0] = ((uint64)0, (uint64)0, (uint64)0);', '  @dnsname[0, 0] = "";', '  @dnsn[0] = (uint64)0;');
  out.push(
    fill(part('marks.bt'), {
      ...common,
      SEED_MARKS: '{{BEGIN}}',
      ...disabledWords(),
      PRELOAD_RUNS_PID: String(PRELOAD_RUNS_PID),
      // cwd.bt's working directory is inherited too (one probe on the tracepoint, not two).
      FORK_FILES: files ? '  if (@cwdon[pid] != 0) { @cwd[(uint64)args->child_pid] = @cwd[pid]; @cwdon[(uint64)args->child_pid] = 1; }' : '',
    }),
  );
  if (groups.has('dns')) {
    out.push(
      fill(part('dns.bt'), {
        ...common,
        GETADDRINFO: attach(input.libc, 'uprobe', 'getaddrinfo'),
        GETADDRINFO_RETURN: attach(input.libc, 'uretprobe', 'getaddrinfo'),
      }),
    );
  }
  // After dns.bt: bpftrace types a map from its first assignment in the text.
  // With the writes, a socket's end also drops the request it still waits an answer for.
  if (groups.has('tcp')) out.push(fill(part('tcp.bt'), { ...common, REQUEST_END: groups.has('writes') ? part('request-end.inc').replace(/\n$/, '') : '' }));
  if (groups.has('tls')) {
    const write = [attach(input.libssl, 'uprobe', 'SSL_write'), attach(input.libssl, 'uprobe', 'SSL_write_ex')].filter((s) => s !== '').join(',\n');
    const writeReturn = [attach(input.libssl, 'uretprobe', 'SSL_write'), attach(input.libssl, 'uretprobe', 'SSL_write_ex')].filter((s) => s !== '').join(',\n');
    if (input.libssl.some((l) => l.symbols.has('SSL_ctrl') && l.symbols.has('SSL_free'))) {
      const sni = input.libssl.filter((l) => l.symbols.has('SSL_ctrl') && l.symbols.has('SSL_free'));
      out.push(fill(part('tls-sni.bt'), { ...common, SSL_CTRL: attach(sni, 'uprobe', 'SSL_ctrl'), SSL_FREE: attach(sni, 'uprobe', 'SSL_free') }));
    } else {
      // Requests still name their Host; only the SNI fallback is missing.
      declarations.push('  @sni[0] = "";');
    }
    out.push(fill(part('tls.bt'), { ...common, HTTP_PARSE: httpParse, SSL_WRITE: write, SSL_WRITE_RETURN: writeReturn }));
    for (const r of reads) out.push(fill(part('tls-read.bt'), { ...common, ...r, SSL_READ: attach(input.libssl, 'uprobe', r.READ_FUNCTION) }));
    if (reads.length > 0) {
      const readReturn = reads.map((r) => attach(input.libssl, 'uretprobe', r.READ_FUNCTION)).join(',\n');
      out.push(fill(part('tls-read-return.bt'), { ...common, SSL_READ_RETURN: readReturn, RESPONSE_STATUS: responseStatus }));
    }
  }
  if (groups.has('writes')) {
    const writes = [
      { WRITE_PROBE: 'tracepoint:syscalls:sys_enter_write', FD: 'args->fd', BUF: 'args->buf', LEN: 'args->count' },
      { WRITE_PROBE: 'tracepoint:syscalls:sys_enter_sendto', FD: 'args->fd', BUF: 'args->buff', LEN: 'args->len' },
      // The first iovec's base and length, read as the two words the ABI lays out (no struct type to parse).
      { WRITE_PROBE: 'tracepoint:syscalls:sys_enter_writev', FD: 'args->fd', BUF: '*(uint64 *)args->vec', LEN: '*(uint64 *)((uint64)args->vec + 8)' },
    ];
    for (const w of writes) out.push(fill(part('writes.bt'), { ...common, ...w }));
    out.push(fill(part('http.bt'), { ...common, HTTP_PARSE: httpParse }));
    out.push(fill(part('recv.bt'), { ...common, RESPONSE_STATUS: responseStatus }));
  }
  if (groups.has('files')) {
    for (const prefix of input.nfsPrefixes) {
      if (!SAFE_LITERAL.test(prefix)) throw new Error(`NFS prefix ${JSON.stringify(prefix)} has characters other than ${SAFE_LITERAL.source}`);
    }
    const match = input.nfsPrefixes.map((prefix, i) => `    ${i === 0 ? '' : 'else '}if (${startsWith(prefix)}) { $d = ${cutDepth(prefix)}; }`).join('\n');
    const wordsOf = (prefixes: readonly string[]): string =>
      [...new Set(prefixes.map((prefix) => prefix.slice(0, 8)))]
        .map((start) => (start.length === 8 ? `$w == ${word(start)}` : `($w & 0x${'ff'.repeat(start.length)}) == ${word(start)}`))
        .join(' || ');
    const firstWords = wordsOf(input.nfsPrefixes);
    if (match !== '') {
      const prefixCut = fill(part('prefix-cut.inc'), { ...common, PREFIX_MATCH: match, PREFIX_WORDS: firstWords }).replace(/\n$/, '');
      // A working directory can also be a prefix itself without its trailing '/' (cd /data/project).
      const dirMatch = input.nfsPrefixes
        .filter((prefix) => prefix.endsWith('/'))
        .map((prefix) => `    else if (${startsWith(`${prefix.slice(0, -1)}\0`)}) { $d = ${cutDepth(prefix)}; }`)
        .join('\n');
      const dirWords = wordsOf([...input.nfsPrefixes, ...input.nfsPrefixes.filter((prefix) => prefix.endsWith('/')).map((prefix) => `${prefix.slice(0, -1)}\0`)]);
      const dirCut = fill(part('prefix-cut.inc'), { ...common, PREFIX_MATCH: `${match}\n${dirMatch}`, PREFIX_WORDS: dirWords }).replace(/\n$/, '');
      const opens = [
        // openat and openat2 name the directory a relative path is relative to: only the cwd's (AT_FDCWD) is known. The
        // field is an int in an 8-byte slot: compared as 32 bits.
        { OPEN_PROBE: 'tracepoint:syscalls:sys_enter_openat,\ntracepoint:syscalls:sys_enter_openat2', AT_CWD: '(int32)args->dfd == -100' },
        { OPEN_PROBE: 'tracepoint:syscalls:sys_enter_open', AT_CWD: '1' },
      ];
      for (const open of opens) out.push(fill(part('files-open.bt'), { ...common, ...open, PREFIX_CUT: prefixCut }));
      out.push(fill(part('files-return.bt'), { ...common, OPEN_RETURN: 'tracepoint:syscalls:sys_exit_openat,\ntracepoint:syscalls:sys_exit_openat2,\ntracepoint:syscalls:sys_exit_open' }));
      out.push(fill(part('cwd.bt'), { ...common, PREFIX_CUT: dirCut }));
    }
  }
  const countMaps = (Object.keys(COUNT_MAPS) as CountMap[]).filter((map) => groups.has(COUNT_MAPS[map]) && (COUNT_MAPS[map] !== 'files' || files));
  const stateMaps = [...new Set(['mark', 'ready', ...(groups.has('tcp') ? ['sk', 'skname', 'busy', 'cfd', 'fdsk', 'skfd'] : []), ...(groups.has('writes') ? ['plain', 'scratch', 'rq', 'rqhost', 'rqpath', 'skssl', 'rcv'] : []), ...(groups.has('dns') ? ['gai', 'dns', 'dnsname', 'dnsn'] : []), ...(groups.has('tls') ? ['sni', 'tlsw', 'tlson', 'tlssk', 'scratch'] : []), ...(reads.length > 0 ? ['tlsr'] : []), ...(files ? ['openp', 'openr', 'openf', 'cwd', 'cwdon', 'cdp', 'rlk', 'cwdask', 'cutv'] : [])])];
  const dnsCleanup = groups.has('dns')
    ? ['    if (@dnsn[pid] != 0) {', '      delete(@dnsn[pid]);', ...Array.from({ length: 8 }, (_, i) => `      if (@dns[pid, ${i}].2 != 0) { delete(@dns[pid, ${i}]); delete(@dnsname[pid, ${i}]); }`), '    }']
    : [];
  out.push(
    fill(part('footer.bt'), {
      ...common,
      INTERVAL: String(input.intervalSeconds),
      // A thread that ends inside a probed call leaves what its entry stored.
      THREAD_CLEANUP: [
        ...(groups.has('tcp') ? ['  if (@cfd[tid] != 0) { delete(@cfd[tid]); }'] : []),
        ...(groups.has('writes') ? ['  if (@rcv[tid].0 != 0) { delete(@rcv[tid]); }'] : []),
        ...(reads.length > 0 ? ['  if (@tlsr[tid].0 != 0) { delete(@tlsr[tid]); }'] : []),
        ...(files ? ['  if (@cwdon[tid] != 0) { delete(@cwd[tid]); delete(@cwdon[tid]); }'] : []),
      ].join('\n'),
      EXIT_CLEANUP: dnsCleanup.length === 0 ? '    // only the mark is kept per process' : dnsCleanup.join('\n'),
      PRINT_MAPS: countMaps.map((map) => `  print(@${map});`).join('\n'),
      // Cleared after each print: an ask between the two is lost (the daemon's next scan of that process is after its next chdir).
      ASK_MAPS: files ? '  print(@cwdask);\n  clear(@cwdask);' : '',
      CLEAR_MAPS: [...countMaps, ...stateMaps].map((map) => `  clear(@${map});`).join('\n'),
    }),
  );
  const begin = [...seeds, ...declarations];
  return out.join('\n').replace('{{BEGIN}}', begin.length === 0 ? '  @mark[0] = 0;' : begin.join('\n'));
}

/** The map a statement at `line` of the program counts into (for helper errors bpftrace reports by position). */
export function mapAtLine(program: string, line: number, col: number): string | undefined {
  const text = program.split('\n')[line - 1];
  if (text === undefined) return undefined;
  const from = text.slice(Math.max(0, col - 1));
  return (/@([a-z]+)\[/.exec(from) ?? /@([a-z]+)\[/.exec(text))?.[1];
}
