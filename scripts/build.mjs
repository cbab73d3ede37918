// Builds what runs outside `tsx`: the CLI (dependencies stay in node_modules) and
// every self-contained bundle listed in scripts/bundles.mjs. `--preload` builds only
// dist/preload/ (all the preload init image holds: scripts/images), so that image does not
// depend on the rest of the tree building.
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { bundles } from './bundles.mjs';
import { preloadBundles } from '../preload/bundles.mjs';

const common = { platform: 'node', sourcemap: true, logLevel: 'warning', legalComments: 'none' };
// dist/cli.js and, split off it, one dist/cli-*.js chunk per command (cli/commands.ts
// imports each command only when it runs) and for the code they share: a command loads
// only its own packages. The chunks sit beside cli.js, so import.meta.url-relative paths
// are the same in all of them.
const cli = {
  entryPoints: { cli: 'cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'cli-[name]-[hash]',
  metafile: true,
  format: 'esm',
  target: 'node20',
  packages: 'external',
};

const wanted = process.argv.includes('--preload') ? preloadBundles : [cli, ...bundles];
const results = await Promise.all(wanted.map((b) => build({ ...common, bundle: true, ...b })));
// Chunks of earlier builds (their names carry a content hash) would otherwise pile up in dist/ and in images.
const cliOutputs = results[wanted.indexOf(cli)]?.metafile?.outputs;
if (cliOutputs !== undefined) {
  const current = new Set(Object.keys(cliOutputs).map((file) => path.basename(file)));
  for (const file of readdirSync('dist')) if (/^cli-.*\.js(\.map)?$/.test(file) && !current.has(file)) rmSync(path.join('dist', file), { force: true });
}
