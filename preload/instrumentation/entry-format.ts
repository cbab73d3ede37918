import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Whether the app's entry file is an ES module: `.mjs`, or `.js`/extensionless under a
 * package.json with "type": "module" (Node's own rule). Only then is the ESM loader
 * registered: it runs in a worker thread that costs a CommonJS app ~40 ms of startup
 * and ~14 MiB for nothing. `readType` returns a package.json's "type", or null when
 * the directory has none.
 */
export function entryIsEsm(entry: string | undefined, readType: (dir: string) => string | undefined | null): boolean {
  if (entry === undefined || entry === '') return false;
  const ext = path.extname(entry);
  if (ext === '.mjs' || ext === '.mts') return true;
  if (ext === '.cjs' || ext === '.cts' || ext === '.json' || ext === '.node') return false;
  for (let dir = path.dirname(path.resolve(entry)); ; dir = path.dirname(dir)) {
    const type = readType(dir);
    if (type !== null) return type === 'module';
    if (path.dirname(dir) === dir) return false;
  }
}

/** The "type" of `<dir>/package.json`: null when there is none, undefined when it sets none or cannot be read. */
export function packageType(dir: string): string | undefined | null {
  let text: string;
  try {
    text = readFileSync(path.join(dir, 'package.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    const type = (JSON.parse(text) as { type?: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}
