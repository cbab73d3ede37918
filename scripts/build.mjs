// Builds what runs outside `tsx`: the CLI (dependencies stay in node_modules) and
// every self-contained bundle listed in scripts/bundles.mjs.
import { build } from 'esbuild';
import { bundles } from './bundles.mjs';

const common = { platform: 'node', sourcemap: true, logLevel: 'warning', legalComments: 'none' };

await Promise.all([
  build({
    ...common,
    entryPoints: ['cli/main.ts'],
    outfile: 'dist/cli.js',
    bundle: true,
    format: 'esm',
    target: 'node20',
    packages: 'external',
  }),
  ...bundles.map((b) => build({ ...common, bundle: true, ...b })),
]);
