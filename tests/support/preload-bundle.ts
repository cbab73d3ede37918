import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

let built: Promise<string> | undefined;

/**
 * Builds dist/preload/ (only the preload bundles, so a colleague's half-written CLI
 * code cannot break preload tests) once per test process; resolves to the absolute
 * path of preload.cjs, the file NODE_OPTIONS=--require loads.
 */
export function preloadPath(): Promise<string> {
  built ??= (async () => {
    const { preloadBundles } = (await import(path.join(repoRoot, 'preload', 'bundles.mjs'))) as { preloadBundles: object[] };
    await Promise.all(
      preloadBundles.map((b) => build({ platform: 'node', bundle: true, sourcemap: true, logLevel: 'error', legalComments: 'none', absWorkingDir: repoRoot, ...b })),
    );
    return path.join(repoRoot, 'dist', 'preload', 'preload.cjs');
  })();
  return built;
}

export { repoRoot };
