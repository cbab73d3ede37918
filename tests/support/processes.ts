import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * Child processes for tests: output captured, waited for with deadlines, and always
 * stopped — by the test (`stop()`), or, if a test dies first, when this process exits.
 */
export interface ProcessSpec {
  command: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** For messages: "mariadbd", "tool app", ... */
  name?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly name: string;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects on exit or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves when gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function startProcess(spec: ProcessSpec): ManagedProcess {
  const name = spec.name ?? spec.command;
  const child = spawn(spec.command, spec.args ?? [], {
    env: spec.env ?? process.env,
    cwd: spec.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of listeners) l();
  };
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    notify();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    notify();
  });
  const exited: Promise<Exit> = new Promise((resolve) => {
    child.once('error', (e) => {
      err += `\n[spawn error] ${e.message}`;
      running.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  let done = false;
  void exited.then(() => {
    done = true;
    notify();
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 15000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = (out + err).match(pattern);
        if (m) finish(() => resolve(m));
        else if (done) finish(() => reject(new Error(`${name} exited before printing ${pattern}; output:\n${out}${err}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms; output:\n${out}${err}`))),
        timeoutMs,
      );
      const finish = (f: () => void): void => {
        clearTimeout(timer);
        listeners.delete(check);
        f();
      };
      listeners.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<Exit> => {
    if (!done) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return exited;
  };

  return { child, name, stdout: () => out, stderr: () => err, waitForOutput, exited, stop };
}

export interface Completed extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs to completion; a process still running after `timeoutMs` is killed and the promise rejects. */
export async function runToExit(spec: ProcessSpec, timeoutMs = 30000): Promise<Completed> {
  const p = startProcess(spec);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    p.child.kill('SIGKILL');
  }, timeoutMs);
  const exit = await p.exited;
  clearTimeout(timer);
  if (timedOut) throw new Error(`${p.name} did not finish within ${timeoutMs} ms; output:\n${p.stdout()}${p.stderr()}`);
  return { ...exit, stdout: p.stdout(), stderr: p.stderr() };
}

/** Waits for an event with a deadline (e.g. a server's 'listening'). */
export async function onceWithin(emitter: NodeJS.EventEmitter, event: string, timeoutMs: number): Promise<unknown[]> {
  return once(emitter, event, { signal: AbortSignal.timeout(timeoutMs) });
}
