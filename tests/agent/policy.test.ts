/**
 * The agent's pure policy, tested directly: key decoding, program building, naming,
 * attribution, opt-out marks, counters, config errors. The kernel side is in
 * agent-edges.test.ts (real bpftrace).
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Accounts, toolforgeClient, toolOfAccount, unitOfCgroup } from '../../agent/attribution.js';
import { ConfigError, loadConfig, loadUidMap, parseConfig } from '../../agent/config.js';
import { DependencyCounts } from '../../agent/dependency-counts.js';
import { decodeKey, KEY_LAYOUTS, unmangle } from '../../agent/key-codec.js';
import { Increments, OutputReader } from '../../agent/map-reader.js';
import { addressText, isOwnFiles, nameEvent } from '../../agent/naming.js';
import { groupsFor } from '../../agent/preflight.js';
import { markOfEnvironment } from '../../agent/process-marks.js';
import { usedEvents } from '../../agent/bpftrace-supervisor.js';
import { WANTED_SYMBOLS } from '../../agent/libraries.js';
import { buildProgram, cutDepth, mapAtLine, runnableGroups, word, PROBE_GROUPS } from '../../agent/program.js';
import { profileByName } from '../../topology/index.js';
import { CLIENT_OK_STATUS } from '../../contract/http-client-status.js';
import { PRELOAD_RUNS_PID } from '../../contract/preload-runs.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { parseResponseStatus } from '@opentelemetry/instrumentation-http/build/src/utils.js';

const toolforge = profileByName('toolforge');

test('key codec: integers first, strings last, bpftrace mangling undone', () => {
  // What bpftrace 0.17 prints for "café" (tried on this machine).
  assert.equal(unmangle('caf\uffffffc3\uffffffa9'), 'café');
  assert.deepEqual(decodeKey('52001,0,2,0,16777343,3306,0,enwiki.analytics.db.svc.wikimedia.cloud', KEY_LAYOUTS.conn), {
    ints: [52001n, 0n, 2n, 0n, 16777343n, 3306n, 0n],
    strings: ['enwiki.analytics.db.svc.wikimedia.cloud'],
  });
  // A name holding commas stays whole when it is the last part.
  assert.deepEqual(decodeKey('1,0,a,b,c', KEY_LAYOUTS.open)?.strings, ['a,b,c']);
  // Host + path: the path may hold commas; a host with one makes the split unknowable.
  assert.deepEqual(decodeKey('1,0,2,0,1,80,1,0,en.wikipedia.org,/wiki/A,_B', KEY_LAYOUTS.req)?.strings, ['en.wikipedia.org', '/wiki/A,_B']);
  assert.equal(decodeKey('1,0,2,0,1,80,1,0,evil,host,/x', KEY_LAYOUTS.req), undefined);
  assert.equal(decodeKey('1,0,x,0,1,80,1,name', KEY_LAYOUTS.conn), undefined);
  // Signed printing of a u64 reads back unsigned.
  assert.equal(decodeKey('1,-1,a', KEY_LAYOUTS.open)?.ints[1], 2n ** 64n - 1n);
});

test('addresses: IPv4 and IPv6 from the little-endian words the programs store', () => {
  assert.equal(addressText(2n, 0n, 16777343n), '127.0.0.1');
  assert.equal(addressText(10n, 0n, 72057594037927936n), '0:0:0:0:0:0:0:1');
});

test('naming goes through topology: hosts, databases, paths; own home is no dependency', () => {
  const conn = nameEvent('conn', { ints: [52001n, 0n, 2n, 0n, 16777343n, 3306n, 1n], strings: ['s1.web.db.svc.wikimedia.cloud'] }, toolforge)!;
  assert.deepEqual(conn.destination, { node: 'wmcs:wiki-replicas', kind: 'service' });
  assert.equal(conn.failed, true);
  const q = nameEvent('q', { ints: [52001n, 0n, 2n, 0n, 16777343n, 3306n, 1n], strings: ['enwiki.analytics.db.svc.wikimedia.cloud'] }, toolforge)!;
  assert.deepEqual([q.destination.node, q.destination.detail, q.unit], ['wmcs:wiki-replicas', 'enwiki', 'query']);
  const redis = nameEvent('q', { ints: [52001n, 0n, 2n, 0n, 16777343n, 6379n, 2n], strings: [''] }, toolforge)!;
  assert.deepEqual([redis.destination.node, redis.unit], ['local:loopback', 'command']);
  const legacy = nameEvent('req', { ints: [1n, 0n, 2n, 0n, 1n, 443n, 1n, 1n], strings: ['tools.wmflabs.org', '/xtools/ec'] }, toolforge)!;
  assert.deepEqual([legacy.destination.node, legacy.unit], ['xtools', 'request']);
  const open = nameEvent('open', { ints: [1n, 0n], strings: ['/data/project/xtools/cache'] }, toolforge)!;
  assert.deepEqual(open.destination, { node: 'xtools', kind: 'tool', detail: 'nfs' });
  assert.equal(isOwnFiles(open, 'xtools'), true);
  assert.equal(isOwnFiles(open, 'other'), false);
  assert.equal(nameEvent('open', { ints: [1n, 0n], strings: ['/tmp/x'] }, toolforge), undefined);
});

test('attribution: NSS first, the uid map as fallback, only tool accounts', async () => {
  assert.equal(toolOfAccount('tools.xtools', toolforge, false), 'xtools');
  assert.equal(toolOfAccount('xtools', toolforge, false), undefined, 'a bare name from NSS is a person or a system account');
  assert.equal(toolOfAccount('xtools', toolforge, true), 'xtools');
  assert.equal(toolOfAccount('toolsbeta.x', profileByName('toolsbeta'), false), 'x');
  const accounts = new Accounts(async (uid) => (uid === 1 ? 'tools.one' : uid === 3 ? 'alice' : undefined), new Map([[2, 'tools.two']]));
  await accounts.prepare([1, 2, 3, 4], 0);
  assert.deepEqual(toolforgeClient(accounts, 1, toolforge), { tool: 'one' });
  assert.deepEqual(toolforgeClient(accounts, 2, toolforge), { tool: 'two' });
  assert.equal(toolforgeClient(accounts, 3, toolforge), 'not-a-tool');
  assert.equal(toolforgeClient(accounts, 4, toolforge), 'unknown-uid');
  assert.equal(unitOfCgroup('/system.slice/pywikibot.service', () => undefined), 'pywikibot.service');
  assert.equal(unitOfCgroup('/user.slice/user-1001.slice/session-4.scope', (uid) => (uid === 1001 ? 'alice' : undefined)), 'user:alice');
});

test('opt-out marks: disabled beats the preload; the preload only by its marker', () => {
  const env = (...vars: string[]) => vars.join('\0') + '\0';
  assert.equal(markOfEnvironment(env('A=1', 'TOOLFORGE_TRACING_DISABLED=TRUE'), '/toolforge-tracing/preload.cjs'), 1);
  assert.equal(markOfEnvironment(env('NODE_OPTIONS=--require /toolforge-tracing/preload.cjs', 'TOOLFORGE_TRACING_DISABLED=true'), '/toolforge-tracing/preload.cjs'), 1);
  assert.equal(markOfEnvironment(env('NODE_OPTIONS=--max-old-space-size=100 --require /toolforge-tracing/preload.cjs'), '/toolforge-tracing/preload.cjs'), 2);
  assert.equal(markOfEnvironment(env('NODE_OPTIONS=--require ./other.cjs', 'TOOLFORGE_TRACING_DISABLED=false'), '/toolforge-tracing/preload.cjs'), undefined);
});

test('program: groups follow the libraries and features; literals are words; helper errors map back', () => {
  const lib = (symbols: string[]) => ({ path: '/lib/x/libfoo.so', symbols: new Set(symbols) });
  assert.deepEqual([...runnableGroups({ groups: new Set(PROBE_GROUPS), libc: [], libssl: [lib(['SSL_write'])] })].sort(), ['files', 'marks', 'tcp', 'tls', 'writes']);
  assert.deepEqual([...runnableGroups({ groups: new Set(['marks', 'dns', 'tls', 'writes', 'files'] as const), libc: [lib(['getaddrinfo'])], libssl: [lib(['SSL_write'])] })].sort(), ['dns', 'files', 'marks']);
  assert.equal(word('GET '), '0x20544547');
  assert.equal(cutDepth('/data/project/'), 4);
  assert.equal(cutDepth('/mnt/nfs/dumps-'), 5);
  const program = buildProgram({
    groups: new Set(PROBE_GROUPS), minUid: 1000, intervalSeconds: 5, keyByCgroup: false,
    nfsPrefixes: ['/data/project/'], libc: [lib(['getaddrinfo'])], libssl: [], seedMarks: new Map([[42, 2]]), strlen: 64, headerScanBytes: 256, daemonPid: 4242,
  });
  // Only the daemon's own calls tell the program marks and working directories.
  assert.match(program, /sys_enter_kill\n\/pid == 4242 && args->sig == 0\//);
  assert.match(program, /sys_exit_readlink\n\/pid == 4242\//);
  assert.match(program, /@mark\[42\] = 2;/);
  // A process tells of its own preload with the pid no process has; only the daemon tells of others.
  assert.match(program, new RegExp(`sys_enter_getpriority\n/args->which == 0 && \\(pid == 4242 \\|\\| args->who == ${PRELOAD_RUNS_PID}\\)/`));
  assert.match(program, /uprobe:\/lib\/x\/libfoo\.so:getaddrinfo/);
  assert.doesNotMatch(program, /uprobe:[^\n]*SSL_write/);
  assert.ok(program.includes('if ($w == 0x72702f617461642f && (*(uint64 *)($a + 8) & 0xffffffffffff) == 0x2f7463656a6f) { $d = 4; }'), 'the prefix compared word by word');
  // A working directory may be the prefix without its '/'.
  assert.ok(program.includes('else if ($w == 0x72702f617461642f && (*(uint64 *)($a + 8) & 0xffffffffffff) == 0x7463656a6f) { $d = 4; }'));
  assert.match(program, /if \(\$w == 0x72702f617461642f\) \{/);
  // The response's status compared with the contract's numbers, read as the 3 digits after "HTTP/1.".
  assert.ok(program.includes(`if ($st < ${CLIENT_OK_STATUS.from} || $st >= ${CLIENT_OK_STATUS.below}) {`), 'the failure rule written in');
  assert.ok(program.includes(`== ${word('HTTP/1.')}`));
  const line = program.split('\n').findIndex((l) => l.includes('@open[uid')) + 1;
  assert.equal(mapAtLine(program, line, 1), 'open');
  assert.throws(() => buildProgram({ groups: new Set(PROBE_GROUPS), minUid: 0, intervalSeconds: 1, keyByCgroup: false, nfsPrefixes: ['/data/"x/'], libc: [], libssl: [], seedMarks: new Map(), strlen: 64, headerScanBytes: 64, daemonPid: 1 }), /characters other/);
});

test('preflight: one line per missing thing, the groups that still work', () => {
  const all = { root: true, bpftrace: true, tracefs: true, uprobes: true };
  assert.deepEqual(groupsFor(all).problems, []);
  const noUprobes = groupsFor({ ...all, uprobes: false });
  assert.deepEqual([...noUprobes.groups].sort(), ['files', 'marks', 'tcp', 'writes']);
  assert.equal(noUprobes.problems.length, 1);
  assert.match(groupsFor({ ...all, root: false }).problems[0]!, /not running as root/);
  assert.equal(groupsFor({ ...all, root: false }).groups.size, 0);
  assert.match(groupsFor({ ...all, tracefs: false }).problems[0]!, /tracefs/);
});

test('reader and increments: batches, cumulative totals per run, a restart starts from zero', () => {
  const reader = new OutputReader();
  assert.equal(reader.read('{"type": "map", "data": {"@conn": {"1,0,2,0,1,80,0,": 3}}}'), undefined);
  const first = reader.read('{"type": "printf", "data": "batch-end"}');
  assert.equal(first?.type, 'batch');
  assert.deepEqual(reader.read('{"type": "lost_events", "data": {"events": 7}}'), { type: 'lost', events: 7 });
  assert.deepEqual(reader.read('{"type": "printf", "data": "probes-attached"}'), { type: 'probes-attached' });
  assert.deepEqual(reader.read('{"type": "helper_error", "helper": "map_update_elem", "retcode": -7, "line": 3, "col": 5}'), { type: 'helper-error', helper: 'map_update_elem', retcode: -7, line: 3, col: 5 });
  const increments = new Increments();
  const batch = (n: number) => ({ maps: new Map([['conn', { k: n }]]) });
  assert.deepEqual([...increments.of(1, batch(3))], [['conn', 'k', 3]]);
  assert.deepEqual([...increments.of(1, batch(5))], [['conn', 'k', 2]]);
  assert.deepEqual([...increments.of(1, batch(5))], []);
  assert.deepEqual([...increments.of(2, batch(1))], [['conn', 'k', 1]], 'a new run counts from zero');
});

test('counters: a new series is exported at 0 first, then its count; totals only grow', () => {
  const counts = new DependencyCounts(1000);
  const labels = { tool: 't', dependency: 'd', detail: '', unit: 'connection' as const };
  counts.add(labels, 2, 2, 0);
  assert.deepEqual([...counts.all()].map((e) => [e.total, e.failed]), [[0, 0]]);
  counts.add(labels, 1, 0, 500);
  counts.release(999);
  assert.deepEqual([...counts.all()].map((e) => [e.total, e.failed]), [[0, 0]]);
  counts.release(1000);
  assert.deepEqual([...counts.all()].map((e) => [e.total, e.failed]), [[3, 2]]);
  counts.add(labels, 4, 0, 2000);
  assert.deepEqual([...counts.all()].map((e) => e.total), [7]);
});

test('config: every key named in its error, the command line named as such', async () => {
  assert.throws(() => parseConfig({ interval: 0 }, {}, 'config file a.yaml'), /config file a\.yaml: interval: /);
  assert.throws(() => parseConfig({ intervall: 5 }, {}, 'config file a.yaml'), /intervall/);
  assert.throws(() => parseConfig({}, { metricsListen: 'nope' }, 'defaults'), /command line: metricsListen: must be HOST:PORT/);
  assert.throws(() => parseConfig({ nfsPrefixes: ['data/'] }, {}, 'f'), /nfsPrefixes\[0\]: must be an absolute path/);
  assert.throws(() => parseConfig({ otlpEndpoint: 'ftp://x' }, {}, 'f'), /otlpEndpoint: must be an http/);
  assert.equal(parseConfig({ interval: 2 }, { interval: 3 }, 'f').interval, 3);
  assert.equal(parseConfig(undefined, {}, 'defaults').interval, 5);
  const dir = await mkdtemp(path.join(tmpdir(), 'agent-config-'));
  await writeFile(path.join(dir, 'bad.yaml'), 'interval: [1\n');
  await assert.rejects(loadConfig(path.join(dir, 'bad.yaml'), {}), (e: Error) => e instanceof ConfigError && /invalid YAML/.test(e.message));
  await writeFile(path.join(dir, 'uids.yaml'), 'abc: tools.x\n');
  await assert.rejects(loadUidMap(path.join(dir, 'uids.yaml')), /key "abc": must be a numeric uid/);
});

test("failed requests: the agent's status rule is the one the preload's CLIENT spans get their error status by", () => {
  for (let status = 0; status < 1000; status++) {
    const preload = parseResponseStatus(SpanKind.CLIENT, status) === SpanStatusCode.ERROR;
    const agent = status < CLIENT_OK_STATUS.from || status >= CLIENT_OK_STATUS.below;
    assert.equal(agent, preload, `status ${status}`);
  }
  // A response's failure adds to the failed count only: its request was counted already.
  const failed = nameEvent('reqf', { ints: [1n, 0n, 2n, 0n, 1n, 443n, 1n, 1n], strings: ['en.wikipedia.org', '/w/api.php'] }, toolforge)!;
  assert.deepEqual([failed.unit, failed.failed, failed.failureOnly, failed.destination.node], ['request', true, true, 'wikimedia:mediawiki']);
  const request = nameEvent('req', { ints: [1n, 0n, 2n, 0n, 1n, 443n, 1n, 1n], strings: ['en.wikipedia.org', '/w/api.php'] }, toolforge)!;
  assert.deepEqual([request.failed, request.failureOnly], [false, false]);
});

test('program: attach points of every group, and the available_events lines a run gets', () => {
  const program = buildProgram({
    groups: new Set(PROBE_GROUPS), minUid: 1000, intervalSeconds: 5, keyByCgroup: false,
    nfsPrefixes: ['/data/project/'], libc: [{ path: '/lib/c.so', symbols: new Set(WANTED_SYMBOLS.libc) }], libssl: [{ path: '/lib/ssl.so', symbols: new Set(WANTED_SYMBOLS.libssl) }],
    seedMarks: new Map(), strlen: 64, headerScanBytes: 512, daemonPid: 4242,
  });
  // Each costs a restart time to detach and to attach (docs/operators/agent.md, "Restarts"): one
  // HTTP parse per write exit, each tracepoint probed once (+ BEGIN, END, interval: 41).
  const points = program.split('\n').filter((line) => /^(tracepoint|uprobe|uretprobe):/.test(line)).map((line) => line.replace(/,$/, ''));
  assert.equal(points.length, 38, points.join('\n'));
  assert.equal(new Set(points).size, points.length, 'no attach point twice');
  const named = [...new Set(points.filter((p) => p.startsWith('tracepoint:')).map((p) => p.slice('tracepoint:'.length)))];
  const available = ['sched:sched_switch', ...named, 'syscalls:sys_enter_read', ''].join('\n');
  assert.deepEqual(usedEvents(program, available).split('\n').filter((line) => line !== ''), named);
});
