/**
 * The files a Containerfile COPY source names in the build context: the path itself, or,
 * with a `*` in its last component (dist/cli*.js: the CLI's entry and its chunks), the
 * files of that directory it matches, as buildah expands it.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

export function contextFiles(contextDir: string, source: string): string[] {
  const name = path.posix.basename(source);
  if (!name.includes('*')) return [source];
  const dir = path.posix.dirname(source);
  const pattern = new RegExp(`^${name.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const files = readdirSync(path.join(contextDir, dir)).filter((file) => pattern.test(file)).sort();
  if (files.length === 0) throw new Error(`COPY ${source}: nothing in the build context matches`);
  return files.map((file) => path.posix.join(dir, file));
}
