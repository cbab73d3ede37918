import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where scripts/setup builds the Go tools (the collector), as scripts/lib/common.sh says. */
export function toolsCacheDir(): string {
  const cache = process.env.TOOLFORGE_TRACING_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'toolforge-tracing');
  return cache;
}

/** Finds an executable on PATH, in the tools cache and in the sbin folders; undefined when absent. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), join(toolsCacheDir(), 'bin'), '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Like findBinary, but a missing one is an error saying how to get it. */
export function requireBinary(name: string, howToGet: string): string {
  const found = findBinary(name);
  if (found === undefined) throw new Error(`${name} is not installed: ${howToGet}`);
  return found;
}

export const SETUP_HINT = 'run scripts/start (as root it installs the Debian packages and builds the collector), or scripts/setup --local';
