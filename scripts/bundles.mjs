// Self-contained files (no node_modules at run time). Each entry is an esbuild
// options object; scripts/build.mjs adds platform, bundling and source maps.
import { preloadBundles } from '../preload/bundles.mjs';
import { mapBundles } from '../report/map/bundles.mjs';

export const bundles = [...preloadBundles, ...mapBundles];
