/** The built map script (dist/map/map.js, see bundles.mjs), read to be inlined into each page. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ReportError } from '../errors.js';

/** dist/cli.js (built CLI) has dist/map/ beside it; from source (tsx) it is ../../dist/map/. */
const CANDIDATES = ['./map/map.js', '../../dist/map/map.js'];

export function builtMapScriptPath(): string {
  const paths = CANDIDATES.map((c) => fileURLToPath(new URL(c, import.meta.url)));
  const found = paths.find((p) => existsSync(p));
  if (found === undefined) throw new ReportError(`the map script is not built (looked for ${paths.join(', ')}); run: node scripts/build.mjs`);
  return found;
}

export function readMapScript(): string {
  return readFileSync(builtMapScriptPath(), 'utf8');
}
