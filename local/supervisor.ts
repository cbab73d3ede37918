import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/**
 * Every process `toolforge-tracing local` starts goes through one Supervisor, so Ctrl-C,
 * SIGTERM or a failed start stop all of them and leave nothing behind. Each child leads its
 * own process group: wrappers (unshare, sh, setpriv) and whatever they exec die with it.
 */
export interface ChildSpec {
  /** Short name for logs and messages: "prometheus", "tool citation-hunt". */
  name: string;
  command: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface Supervised {
  readonly name: string;
  readonly child: ChildProcess;
  /** Output so far (stdout + stderr), bounded to the last 64 KiB. */
  output(): string;
  /** First match of `pattern` in the output; rejects when the process exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(graceMs?: number): Promise<void>;
}

const KEEP_OUTPUT = 64 * 1024;

/** Set in the environment of every process a `local` run starts, to its run folder. */
export const RUN_MARK_ENV = 'TOOLFORGE_TRACING_LOCAL_RUN';

export class Supervisor {
  private readonly children: Supervised[] = [];
  private stopping = false;

  /**
   * Logs of each child go to `<logDir>/<name>.log`. Every child's environment gets `mark`
   * (RUN_MARK_ENV=<run id>): a process of this run can be told from others, by tests and
   * operators, whatever it execs.
   */
  constructor(
    private readonly logDir: string,
    private readonly mark: string,
  ) {
    // Last resort when this process dies without stopAll() (an uncaught error): no orphans.
    process.once('exit', () => {
      for (const child of this.children) signalGroup(child.child, 'SIGKILL');
    });
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  start(spec: ChildSpec): Supervised {
    if (this.stopping) throw new Error(`not starting ${spec.name}: stopping`);
    const log: WriteStream = createWriteStream(join(this.logDir, `${spec.name.replace(/[^A-Za-z0-9._-]+/g, '-')}.log`), { flags: 'a' });
    const child = spawn(spec.command, spec.args ?? [], {
      env: { ...(spec.env ?? process.env), [RUN_MARK_ENV]: this.mark },
      cwd: spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let text = '';
    const waiters = new Set<() => void>();
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      text = (text + chunk.toString()).slice(-KEEP_OUTPUT);
      for (const w of waiters) w();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    let done = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('error', (error) => {
        text += `\n[could not start ${spec.command}: ${error.message}]`;
        done = true;
        resolve({ code: null, signal: null });
      });
      child.once('close', (code, signal) => {
        done = true;
        log.end();
        resolve({ code, signal });
      });
    });
    void exited.then(() => {
      for (const w of waiters) w();
    });

    const waitForOutput = (pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = text.match(pattern);
          if (match) finish(() => resolve(match));
          else if (done) finish(() => reject(new Error(`${spec.name} exited before it was ready; its last output:\n${tail(text)}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${spec.name} was not ready within ${timeoutMs / 1000} s; its last output:\n${tail(text)}`))), timeoutMs);
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check();
      });

    const stop = async (graceMs = 5000): Promise<void> => {
      if (done) return;
      signalGroup(child, 'SIGTERM');
      const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      // The group may outlive its leader (a daemon's own children).
      signalGroup(child, 'SIGKILL');
    };

    const supervised: Supervised = { name: spec.name, child, output: () => text, waitForOutput, exited, stop };
    this.children.push(supervised);
    return supervised;
  }

  /** Stops every child, the last started first (tools before the services they use). */
  async stopAll(): Promise<void> {
    this.stopping = true;
    for (const child of [...this.children].reverse()) await child.stop();
    this.children.length = 0;
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

function tail(text: string): string {
  return text.split('\n').slice(-15).join('\n');
}
