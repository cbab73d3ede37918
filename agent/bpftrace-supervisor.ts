/**
 * Runs bpftrace on the program the daemon builds, and keeps it running: when a run that had
 * attached its probes exits or is killed, the same program is started again at once (a
 * process's mark set at its exec is corrected at its next exec; the daemon tells the new run
 * the marks of live processes once it is attached); while runs keep failing before that,
 * a freshly built one after `restartDelayMs`, doubling. restart() always builds anew
 * (libraries changed). Every run has a number: its maps count from zero, so the reader
 * knows where cumulative totals restart.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { OutputReader, type BpftraceOutput } from './map-reader.js';
import { isExiting } from './process-exiting.js';

/** How a run was seen to end: its process began to exit, or its output closed first. */
export type RunEnd = 'exiting' | 'output-closed';

export interface SupervisorOptions {
  bpftrace: string;
  env: Record<string, string>;
  /** The program for the next run. */
  build: () => Promise<string>;
  /** A run's bpftrace process started (it takes seconds to load and attach its probes). */
  onSpawn: (run: number, pid: number) => void;
  onOutput: (output: BpftraceOutput, run: number, program: string) => void;
  /** bpftrace's stderr, line by line (its harmless RLIMIT_MEMLOCK notice removed). */
  onStderr: (line: string, run: number) => void;
  /** A run ended that nobody asked to end (the next run is being started). */
  onRunLost: (run: number, attached: boolean, how: RunEnd) => void;
  /** That run's process has exited (seconds later when the kernel had probes to detach). */
  onExit: (run: number, code: number | null, signal: NodeJS.Signals | null) => void;
  restartDelayMs: number;
  /** One line about how runs are started (whether they get the short available_events). */
  log: (line: string) => void;
}

const HARMLESS = /couldn't set RLIMIT_MEMLOCK/;
/** How often a run is checked for having begun to exit. */
const EXIT_POLL_MS = 200;
/** Where bpftrace 0.17 looks for tracefs: the debugfs path first, if it exists. */
export const TRACEFS_DIRS = ['/sys/kernel/debug/tracing', '/sys/kernel/tracing'];
/** Mounts the events file ($1) over available_events ($2) in the run's own mount namespace, then runs bpftrace. */
const PRIVATE_EVENTS = 'mount --bind "$1" "$2" && shift 2 && exec "$@"';

/** `unshare` arguments that run `command args` with `events` mounted over `target` (the run's pid is the command's: unshare and sh exec). */
export function withPrivateEvents(events: string, target: string, command: string, args: readonly string[]): string[] {
  return ['--mount', '--propagation', 'private', 'sh', '-c', PRIVATE_EVENTS, 'sh', events, target, command, ...args];
}

/**
 * The lines of tracefs' available_events that name the tracepoints `program` attaches to.
 * bpftrace 0.17 reads that file (2,300 lines here, formatted by the kernel at each read)
 * about 20 times for every `args` field a program uses: ~1,000 reads, 1-2 s of each start.
 * A run reads this short copy instead, in a mount namespace of its own; it compiles the same
 * programs (the ELF bpftrace emits is byte for byte the same) and attaches the same probes.
 */
export function usedEvents(program: string, available: string): string {
  const used = new Set([...program.matchAll(/\btracepoint:([a-z0-9_]+:[a-z0-9_]+)/g)].map((m) => m[1]));
  return available.split('\n').filter((line) => used.has(line)).map((line) => `${line}\n`).join('');
}

/** The available_events bpftrace reads, if runs can get a copy of their own (root, mount namespaces allowed). */
function privateEventsTarget(log: (line: string) => void): string | undefined {
  const dir = TRACEFS_DIRS.find((d) => existsSync(d));
  if (dir === undefined) return undefined;
  const tried = spawnSync('unshare', withPrivateEvents('/dev/null', `${dir}/available_events`, 'true', []), { encoding: 'utf8', timeout: 10_000 });
  if (tried.status === 0) return `${dir}/available_events`;
  log(`agent: bpftrace runs read the whole ${dir}/available_events (unshare --mount and mount --bind: ${(tried.error?.message ?? tried.stderr.trim()) || `exit ${tried.status}`}): each start takes 1-2 s more CPU`);
  return undefined;
}

export class BpftraceSupervisor {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private run = 0;
  private stopping = false;
  private restarting = false;
  private failing = 0;
  private timer: NodeJS.Timeout | undefined;
  private program: string | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'toolforge-tracing-agent-'));
  /** Checked at the first start. */
  private eventsTarget: string | undefined | null = null;

  constructor(private readonly options: SupervisorOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(reuse = false): Promise<void> {
    if (this.stopping) return;
    // After a crash of a run that worked, its program again at once (building one scans
    // /proc for libraries: seconds on a busy node); the library scan reloads if they changed.
    const program = reuse && this.program !== undefined ? this.program : await this.options.build();
    this.program = program;
    const file = join(this.dir, 'agent.bt');
    writeFileSync(file, program);
    const run = ++this.run;
    if (this.eventsTarget === null) this.eventsTarget = privateEventsTarget(this.options.log);
    let command = this.options.bpftrace;
    let args = ['-k', '-f', 'json', '-B', 'none', '--no-warnings', file];
    if (this.eventsTarget !== undefined) {
      const events = join(this.dir, 'available_events');
      writeFileSync(events, usedEvents(program, readFileSync(this.eventsTarget, 'utf8')));
      args = withPrivateEvents(events, this.eventsTarget, command, args);
      command = 'unshare';
    }
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    if (child.pid !== undefined) this.options.onSpawn(run, child.pid);
    const reader = new OutputReader();
    let attached = false;
    createInterface({ input: child.stdout! })
      .on('line', (line) => {
        const output = reader.read(line);
        if (output === undefined) return;
        // BEGIN's line, which bpftrace 0.17 lets out only once every probe is attached (it runs
        // BEGIN first, and announces the probes before attaching them).
        if (output.type === 'probes-attached') attached = true;
        this.options.onOutput(output, run, program);
      })
      .once('close', () => this.ended(child, run, attached, 'output-closed'));
    // A killed bpftrace's pipes close and its exit is seen only once the kernel has
    // detached every probe (seconds with dozens of uprobes): the next run starts as soon
    // as the exit begins, while that goes on (the dead run's programs count into maps
    // nobody reads any more).
    const watch = setInterval(() => {
      if (child.pid !== undefined && isExiting(child.pid)) this.ended(child, run, attached, 'exiting');
    }, EXIT_POLL_MS);
    watch.unref();
    createInterface({ input: child.stderr! }).on('line', (line) => {
      if (!HARMLESS.test(line) && line.trim() !== '') this.options.onStderr(line, run);
    });
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.options.onStderr(`cannot run ${this.options.bpftrace}: ${error.message}`, run);
      });
      child.once('close', (code, signal) => {
        clearInterval(watch);
        if (this.child === child) this.child = undefined;
        resolve();
        if (this.stopping || this.restarting) return;
        this.options.onExit(run, code, signal);
      });
    });
  }

  /** A run's output ended that nobody asked to end: the next run, at once after one that worked. */
  private ended(child: ChildProcess, run: number, attached: boolean, how: RunEnd): void {
    if (this.stopping || this.restarting || this.child !== child) return;
    // Its output is gone, so it is of no use even if it still ran.
    child.kill('SIGKILL');
    this.child = undefined;
    this.options.onRunLost(run, attached, how);
    this.failing = attached ? 0 : this.failing + 1;
    if (this.failing === 0) void this.start(true);
    else this.timer = setTimeout(() => void this.start(), Math.min(30_000, this.options.restartDelayMs * 2 ** (this.failing - 1)));
  }

  /** Ends the current run (its final maps are read) and starts a new one with a rebuilt program. */
  async restart(): Promise<void> {
    if (this.stopping) return;
    this.restarting = true;
    try {
      await this.end(10_000);
    } finally {
      this.restarting = false;
    }
    await this.start();
  }

  /** SIGTERM: bpftrace prints its maps one last time (read before this resolves) and detaches. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.end(graceMs);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async end(graceMs: number): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(kill);
  }
}
