/** `toolforge-tracing preload-path`: where the built preload is, for NODE_OPTIONS=--require. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** dist/cli.js (built CLI) has dist/preload/ beside it; from source (tsx) it is ../dist/preload/. */
const CANDIDATES = ['./preload/preload.cjs', '../dist/preload/preload.cjs'];

export function builtPreloadPath(): string {
  const paths = CANDIDATES.map((c) => fileURLToPath(new URL(c, import.meta.url)));
  const found = paths.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`the preload bundle is not built (looked for ${paths.join(', ')}); run: node scripts/build.mjs`);
  return found;
}

export function registerPreloadCommand(program: Command): void {
  program
    .command('preload-path')
    .description('print the absolute path of the built Node preload (dist/preload/preload.cjs)')
    .action(() => {
      process.stdout.write(`${builtPreloadPath()}\n`);
    });
}
