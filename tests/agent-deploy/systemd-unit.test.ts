/**
 * The Cloud VPS unit, agent/systemd/toolforge-tracing-agent.service: `systemd-analyze verify`
 * accepts it without a word; its capabilities and exposure score are what
 * docs/operators/agent.md says; real bpftrace attaches a tracepoint and a uprobe, and a
 * process reads another user's /proc entries the way the agent does, with exactly that
 * capability set, and fails without any one of them; every system call bpftrace and Node
 * make passes its SystemCallFilter. (No running systemd is needed: verify and security
 * work offline, and the capability bounding set is applied with setpriv.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { TRACEFS_DIRS, usedEvents, withPrivateEvents } from '../../agent/bpftrace-supervisor.js';
import { requireBinary, requireRoot } from '../support/binaries.js';
import { repoRoot } from '../support/preload-bundle.js';
import { runToExit, startProcess, type ManagedProcess } from '../support/processes.js';
import { makeTempDir } from '../support/temp-dir.js';
import { docSection, unitCapabilities, unitSettings } from './unit-file.js';

const UNIT = path.join(repoRoot, 'agent', 'systemd', 'toolforge-tracing-agent.service');
const DOC = path.join(repoRoot, 'docs', 'operators', 'agent.md');
const run = promisify(execFile);
/** The unprivileged user the probes watch (any uid that is not root). */
const WATCHED_UID = 65534;

async function analyze(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const systemdAnalyze = requireBinary('systemd-analyze', 'systemd');
  try {
    const { stdout, stderr } = await run(systemdAnalyze, args, { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Every system call a SystemCallFilter= allow list admits (groups expanded by systemd itself). */
async function allowedSyscalls(filter: string[], cwd: string): Promise<Set<string>> {
  const out = new Set<string>();
  const expand = async (entry: string): Promise<void> => {
    if (!entry.startsWith('@')) {
      out.add(entry);
      return;
    }
    const { code, stdout, stderr } = await analyze(['syscall-filter', entry], cwd);
    assert.equal(code, 0, `systemd-analyze syscall-filter ${entry}: ${stderr}`);
    for (const line of stdout.split('\n').slice(1)) {
      const item = line.trim();
      if (item === '' || item.startsWith('#')) continue;
      await expand(item);
    }
  };
  for (const entry of filter) await expand(entry);
  return out;
}

/** The system calls strace saw in a trace file (`strace -f -o FILE`). */
function syscallsIn(trace: string): Set<string> {
  return new Set([...trace.matchAll(/^\d+ +([a-z_0-9]+)\(/gm)].map((m) => m[1]!));
}

describe('the Cloud VPS systemd unit', { timeout: 300_000 }, () => {
  const unitText = readFileSync(UNIT, 'utf8');
  const settings = unitSettings(unitText);
  const capabilities = unitCapabilities(settings);
  let dir: { path: string; remove(): Promise<void> };
  let watched: ManagedProcess;

  before(async () => {
    requireRoot('bpftrace and setpriv need root');
    dir = await makeTempDir('agent-unit');
    // A process of another user, as tool processes are: its environment, cwd and root are
    // what the agent reads through /proc.
    watched = startProcess({
      name: 'watched process',
      command: requireBinary('setpriv', 'util-linux'),
      args: ['--reuid', String(WATCHED_UID), '--regid', String(WATCHED_UID), '--clear-groups', 'sh', '-c', 'while :; do getent ahosts localhost >/dev/null; sleep 0.2; done'],
      env: { PATH: '/usr/bin:/bin', TOOLFORGE_TRACING_DISABLED: 'false' },
      cwd: '/tmp',
    });
  });

  after(async () => {
    await watched?.stop();
    await dir?.remove();
  });

  test('systemd-analyze verify accepts it with no warning', async () => {
    const result = await analyze(['verify', UNIT], dir.path);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trim(), '', 'verify printed warnings');
  });

  test('the hardening the operator doc promises is set', () => {
    const expected: Record<string, string> = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      ProtectClock: 'yes',
      RestrictNamespaces: 'mnt',
      RestrictSUIDSGID: 'yes',
      LockPersonality: 'yes',
      SystemCallArchitectures: 'native',
      ProtectKernelTunables: 'yes',
      AmbientCapabilities: '',
      KillMode: 'mixed',
      MemoryMax: '640M',
      CPUQuota: '100%',
    };
    for (const [key, value] of Object.entries(expected)) assert.deepEqual(settings.get(key), [value], key);
  });

  test('its capabilities are exactly those the operator doc lists, and its exposure score is the one the doc gives', async () => {
    const doc = readFileSync(DOC, 'utf8');
    const privileges = docSection(doc, '## Privileges');
    const table = new Set([...privileges.matchAll(/^\| `(CAP_[A-Z_]+)`/gm)].map((m) => m[1]!));
    assert.deepEqual([...table].sort(), [...capabilities].sort());
    const security = await analyze(['security', '--offline=yes', UNIT], dir.path);
    const score = /Overall exposure level for [^:]+: ([0-9.]+)/.exec(security.stdout + security.stderr)?.[1];
    assert.ok(score, `no exposure level in:\n${security.stdout}\n${security.stderr}`);
    assert.match(privileges.replace(/\s+/g, ' '), new RegExp(`exposure level \\*\\*${score!.replace('.', '\\.')}\\*\\*`), `the doc must give the exposure level ${score}`);
  });

  /**
   * Runs, with exactly `caps` as bounding/inheritable/ambient set: reads of the watched
   * process's environ, cwd and root (what the agent reads), then bpftrace with a tracepoint
   * and a uprobe on libc reached through /proc/<pid>/root. Returns what went wrong ('' = nothing).
   */
  async function withCapabilities(caps: string[], libraryThrough: 'process root' | 'host path', tracefs: 'read-only' | 'writable' = 'read-only'): Promise<string> {
    const pid = watched.child.pid!;
    const libc = `${libraryThrough === 'process root' ? `/proc/${pid}/root` : ''}/usr/lib/x86_64-linux-gnu/libc.so.6`;
    const program = path.join(dir.path, 'probe.bt');
    writeFileSync(
      program,
      [
        `tracepoint:syscalls:sys_enter_openat /uid == ${WATCHED_UID}/ { @opens = count(); }`,
        `uprobe:${libc}:getaddrinfo /uid == ${WATCHED_UID}/ { @names[str(arg0)] = count(); }`,
        'interval:s:2 { exit(); }',
        '',
      ].join('\n'),
    );
    const list = ['-all', ...caps.map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`)].join(',');
    const script = [
      `head -c 1 /proc/${pid}/environ >/dev/null || { echo 'FAILED environ'; exit 1; }`,
      `readlink /proc/${pid}/cwd >/dev/null || { echo 'FAILED cwd'; exit 1; }`,
      `test -r /proc/${pid}/root/usr/lib/x86_64-linux-gnu/libc.so.6 || { echo 'FAILED root'; exit 1; }`,
      `exec bpftrace ${program}`,
    ].join('\n');
    const result = await runToExit(
      {
        name: `bpftrace with ${caps.join(' ')}`,
        // As the unit has it (ProtectKernelTunables): tracefs read-only, in a mount namespace of its own.
        command: requireBinary('unshare', 'util-linux'),
        args: [
          '--mount',
          '--propagation',
          'private',
          'sh',
          '-c',
          `${tracefs === 'read-only' ? 'mount -o remount,bind,ro /sys/kernel/tracing && ' : ''}exec setpriv --bounding-set ${list} --inh-caps ${list} --ambient-caps ${list} -- sh -c "$0"`,
          script,
        ],
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', BPFTRACE_STRLEN: '64' },
      },
      60_000,
    );
    const output = result.stdout + result.stderr;
    if (result.code !== 0) return `exit ${result.code}: ${output.trim()}`;
    if (!/@opens: [1-9]/.test(output)) return `no tracepoint count: ${output.trim()}`;
    if (!/@names\[localhost\]: [1-9]/.test(output)) return `no uprobe count: ${output.trim()}`;
    return '';
  }

  test("with the unit's capabilities, bpftrace attaches a tracepoint and a uprobe inside another process's root, and /proc of another user is readable", async () => {
    requireBinary('bpftrace', 'bpftrace');
    assert.equal(await withCapabilities([...capabilities], 'process root'), '');
  });

  test('CAP_SYS_ADMIN is what uprobes through perf events need: without it bpftrace writes uprobe_events, which the unit keeps read-only, and never reaches into another mount namespace', async () => {
    const withoutAdmin = [...capabilities].filter((c) => c !== 'CAP_SYS_ADMIN');
    assert.match(await withCapabilities(withoutAdmin, 'host path'), /uprobe_events\): Read-only file system/);
    // The drop-in docs/operators/agent.md gives for dropping it (tracefs writable again): the node's own libraries work, containers' do not.
    assert.equal(await withCapabilities(withoutAdmin, 'host path', 'writable'), '');
    assert.match(await withCapabilities(withoutAdmin, 'process root', 'writable'), /Error attaching probe: uprobe:\/proc\/\d+\/root\//);
  });

  test('each of the others is needed: without it (and without CAP_SYS_ADMIN, which the kernel lets stand in for CAP_BPF and CAP_PERFMON), one step fails', async (t) => {
    const withoutAdmin = [...capabilities].filter((c) => c !== 'CAP_SYS_ADMIN');
    for (const missing of withoutAdmin) {
      const failure = await withCapabilities(withoutAdmin.filter((c) => c !== missing), 'host path', 'writable');
      t.diagnostic(`without ${missing}: ${failure.split('\n').filter((l) => !l.includes('RLIMIT_MEMLOCK') && !l.startsWith('Attaching'))[0]}`);
      assert.notEqual(failure, '', `still works without ${missing}: it should not be in the unit`);
    }
  });

  test('every system call bpftrace and Node make passes its SystemCallFilter', async () => {
    const strace = requireBinary('strace', 'strace');
    const allowed = await allowedSyscalls(settings.get('SystemCallFilter')!.join(' ').split(/\s+/), dir.path);
    assert.ok(allowed.has('bpf') && allowed.has('openat') && allowed.size > 300, `expanded filter: ${allowed.size} calls`);
    const program = path.join(dir.path, 'all.bt');
    writeFileSync(
      program,
      [
        `tracepoint:syscalls:sys_enter_openat /uid == ${WATCHED_UID}/ { @opens[uid] = count(); }`,
        `uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:getaddrinfo /uid == ${WATCHED_UID}/ { @names[str(arg0)] = count(); }`,
        'interval:ms:500 { print(@opens); }',
        'interval:s:2 { exit(); }',
        '',
      ].join('\n'),
    );
    const bpftraceTrace = path.join(dir.path, 'bpftrace.strace');
    // As the supervisor starts a run: in a mount namespace of its own, over a short available_events.
    const target = `${TRACEFS_DIRS.find((d) => existsSync(d))!}/available_events`;
    const events = path.join(dir.path, 'available_events');
    writeFileSync(events, usedEvents(readFileSync(program, 'utf8'), readFileSync(target, 'utf8')));
    const traced = await runToExit({ command: strace, args: ['-f', '-qq', '-o', bpftraceTrace, 'unshare', ...withPrivateEvents(events, target, 'bpftrace', [program])] }, 60_000);
    assert.equal(traced.code, 0, traced.stderr);
    // Node doing what the daemon does: listen, fetch over loopback, read /proc, run a child, stop on SIGTERM.
    const script = path.join(dir.path, 'node-like-agent.mjs');
    writeFileSync(
      script,
      `import http from 'node:http'; import { spawn } from 'node:child_process'; import fs from 'node:fs';
const server = http.createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', async () => {
  for (let i = 0; i < 5; i++) await (await fetch('http://127.0.0.1:' + server.address().port + '/')).text();
  fs.readdirSync('/proc'); fs.readFileSync('/proc/self/environ'); fs.readFileSync('/proc/self/maps');
  spawn('/bin/true').on('exit', () => process.kill(process.pid, 'SIGTERM'));
});
process.on('SIGTERM', () => { server.close(); process.exit(0); });
`,
    );
    const nodeTrace = path.join(dir.path, 'node.strace');
    const nodeRun = await runToExit({ command: strace, args: ['-f', '-qq', '-o', nodeTrace, process.execPath, script] }, 60_000);
    assert.equal(nodeRun.code, 0, nodeRun.stderr);
    const used = new Set([...syscallsIn(readFileSync(bpftraceTrace, 'utf8')), ...syscallsIn(readFileSync(nodeTrace, 'utf8'))]);
    assert.ok(used.has('bpf') && used.has('perf_event_open') && used.has('epoll_wait') && used.has('unshare') && used.has('mount'), `strace saw: ${[...used].join(' ')}`);
    assert.deepEqual([...used].filter((s) => !allowed.has(s)).sort(), []);
  });
});
