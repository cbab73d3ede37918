// esbuild options for the map page's script (dist/map/map.js), listed in scripts/bundles.mjs
// and inlined into every map by report/map/html.ts. A browser IIFE: sigma, graphology and
// the report's own graph and dependents code (report/graph.ts, report/analysis/dependents.ts).
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const mapBundles = [
  {
    entryPoints: [`${root}report/map/browser/main.ts`],
    outfile: `${root}dist/map/map.js`,
    platform: 'browser',
    format: 'iife',
    target: 'chrome110',
    minify: true,
    // Inlined into a page that must make no request: no source map URL comment either.
    sourcemap: false,
  },
];
