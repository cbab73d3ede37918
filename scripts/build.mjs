// Builds what runs outside `tsx`: the CLI (dependencies stay in node_modules) and
// every self-contained bundle listed in scripts/bundles.mjs. `--preload` builds only
// dist/preload/ (all the preload init image holds: scripts/images), so that image does not
// depend on the rest of the tree building.
import { build } from 'esbuild';
import { bundles } from './bundles.mjs';
import { preloadBundles } from '../preload/bundles.mjs';

const common = { platform: 'node', sourcemap: true, logLevel: 'warning', legalComments: 'none' };
const cli = {
  entryPoints: ['cli/main.ts'],
  outfile: 'dist/cli.js',
  format: 'esm',
  target: 'node20',
  packages: 'external',
};

const wanted = process.argv.includes('--preload') ? preloadBundles : [cli, ...bundles];
await Promise.all(wanted.map((b) => build({ ...common, bundle: true, ...b })));
