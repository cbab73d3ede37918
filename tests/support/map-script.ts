import path from 'node:path';
import { build } from 'esbuild';
import { repoRoot } from './preload-bundle.js';

let built: Promise<void> | undefined;

/**
 * Builds dist/map/map.js (only the map bundle, from report/map/bundles.mjs) once per test
 * process, so the map tests always inline the page script of the code under test.
 */
export function buildMapScript(): Promise<void> {
  built ??= (async () => {
    const { mapBundles } = (await import(path.join(repoRoot, 'report', 'map', 'bundles.mjs'))) as { mapBundles: object[] };
    await Promise.all(mapBundles.map((b) => build({ bundle: true, logLevel: 'error', legalComments: 'none', absWorkingDir: repoRoot, ...b })));
  })();
  return built;
}
