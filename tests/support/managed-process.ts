import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** A server process a test started: its output goes to a log file; stop() ends it for sure. */
export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly logPath: string;
  log(): string;
  stop(): Promise<void>;
}

/** A port that was free on 127.0.0.1 a moment ago (the kernel picks it). */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not read the port of a loopback listener');
  return address.port;
}

export function startProcess(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; logPath: string }): ManagedProcess {
  const logStream = createWriteStream(options.logPath);
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(logStream, { end: false });
  child.stderr?.pipe(logStream, { end: false });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const log = (): string => {
    try {
      return readFileSync(options.logPath, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    child,
    logPath: options.logPath,
    log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      logStream.end();
    },
  };
}

/**
 * Polls `probe` until it returns a value (not undefined) or `timeoutMs` passes; then throws
 * with `what` and the last error, so a hang becomes a precise failure.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
