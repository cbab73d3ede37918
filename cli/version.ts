import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The package version: stamped into the injection marker and the preload resource. */
export const version: string = (require('../package.json') as { version: string }).version;
