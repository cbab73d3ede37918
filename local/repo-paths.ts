import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout this code runs from, whether bundled (dist/cli.js) or from source (tsx):
 * the nearest folder above this module holding collector-config/ and package.json.
 */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'collector-config')) && existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`toolforge-tracing local: cannot find the checkout (collector-config/) above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const repoPath = (...parts: string[]): string => path.join(repoRoot(), ...parts);
