import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * One `toolforge-tracing local` per state folder: a second start says where the first one
 * is instead of fighting it for ports. The lock is a JSON file naming the owner's pid; one
 * whose pid is gone is stale and taken over.
 */
export interface InstanceInfo {
  pid: number;
  url?: string;
  otlpEndpoint?: string;
  /** The run's copy of the preload (local run loads it). */
  preload?: string;
  /** The tools' passwd file (local run adds its account there). */
  passwdFile?: string;
  startedAt: string;
}

export class AlreadyRunningError extends Error {
  constructor(readonly info: InstanceInfo) {
    super(`toolforge-tracing local is already running (pid ${info.pid}, since ${info.startedAt})${info.url ? `: its UI is at ${info.url}` : ''}; stop it first (Ctrl-C in its terminal, or kill ${info.pid})`);
  }
}

const lockFile = (stateDir: string): string => path.join(stateDir, 'local.json');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readInstance(stateDir: string): Promise<InstanceInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(lockFile(stateDir), 'utf8')) as InstanceInfo;
    return typeof info.pid === 'number' && alive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

export async function acquireInstance(stateDir: string): Promise<{ update(info: Partial<InstanceInfo>): Promise<void>; release(): Promise<void> }> {
  await mkdir(stateDir, { recursive: true });
  let info: InstanceInfo = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      // wx: of two starting at once, exactly one creates the file.
      await writeFile(lockFile(stateDir), JSON.stringify(info), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      const running = await readInstance(stateDir);
      if (running) throw new AlreadyRunningError(running);
      await rm(lockFile(stateDir), { force: true });
    }
  }
  return {
    update: async (more) => {
      info = { ...info, ...more };
      await writeFile(lockFile(stateDir), JSON.stringify(info));
    },
    release: async () => {
      const now = await readInstance(stateDir);
      if (now?.pid === process.pid) await rm(lockFile(stateDir), { force: true });
    },
  };
}
