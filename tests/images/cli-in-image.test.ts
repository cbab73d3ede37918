/**
 * bin/toolforge-tracing inside the toolforge-tracing image (webhook/Containerfile): the image
 * has dist/ and its production packages but no sources and no esbuild, so the CLI must run
 * dist/ as it is, never try to rebuild it, even when package.json looks newer than the
 * build. That image needs a Node.js base image, which only `scripts/images --release` pulls,
 * so the test lays out what the Containerfile copies, where it copies it (the repository's
 * node_modules stand in for its `npm ci --omit=dev`), and runs the CLI through the PATH
 * symlink the image adds.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { contextFiles } from '../support/build-context.js';
import { repoRoot } from '../support/preload-bundle.js';
import { runToExit } from '../support/processes.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const containerfile = readFileSync(path.join(repoRoot, 'webhook', 'Containerfile'), 'utf8');
const pkgVersion = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The image's WORKDIR and its COPY lines (sources in the build context, destination in the image). */
function layout(text: string): { workdir: string; copies: Array<{ sources: string[]; destination: string }> } {
  const lines = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  let workdir = '/';
  const copies: Array<{ sources: string[]; destination: string }> = [];
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    if (instruction === 'WORKDIR') workdir = rest[0]!;
    if (instruction === 'COPY') {
      const destination = rest.pop()!;
      copies.push({ sources: rest, destination: path.posix.resolve(workdir, destination) + (destination.endsWith('/') ? '/' : '') });
    }
  }
  return { workdir, copies };
}

describe('bin/toolforge-tracing in the toolforge-tracing image (webhook/Containerfile)', { timeout: 300_000 }, () => {
  let dir: TempDir;
  let app: string;
  let onPath: string;
  const { workdir, copies } = layout(containerfile);

  before(async () => {
    dir = await makeTempDir('cli-in-image');
    const build = await runToExit({ name: 'build', command: process.execPath, args: [path.join(repoRoot, 'scripts', 'build.mjs')], cwd: repoRoot }, 300_000);
    assert.equal(build.code, 0, build.stderr);
    const root = path.join(dir.path, 'rootfs');
    for (const { sources, destination } of copies) {
      for (const source of sources.flatMap((s) => contextFiles(repoRoot, s))) {
        const target = destination.endsWith('/') ? path.join(root, destination, path.basename(source)) : path.join(root, destination);
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(path.join(repoRoot, source), target, { preserveTimestamps: true });
      }
    }
    app = path.join(root, workdir);
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(app, 'node_modules'));
    // The image's `ln -s .../bin/toolforge-tracing /usr/local/bin/toolforge-tracing`.
    onPath = path.join(root, 'usr', 'local', 'bin', 'toolforge-tracing');
    mkdirSync(path.dirname(onPath), { recursive: true });
    symlinkSync(path.join(app, 'bin', 'toolforge-tracing'), onPath);
  });
  after(async () => dir?.remove());

  test('the image holds the CLI, its bundle and the package files, and no sources', () => {
    assert.deepEqual(copies.flatMap((c) => c.sources).sort(), ['bin/toolforge-tracing', 'dist/cli*.js', 'dist/cli*.js.map', 'package-lock.json', 'package.json']);
  });

  test('runs dist/ as it is, though package.json is newer than the build', async () => {
    const later = new Date(statSync(path.join(app, 'dist', 'cli.js')).mtimeMs + 60_000);
    utimesSync(path.join(app, 'package.json'), later, later);
    const before = statSync(path.join(app, 'dist', 'cli.js')).mtimeMs;
    const run = await runToExit({ name: 'toolforge-tracing --version', command: onPath, args: ['--version'], cwd: dir.path });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), pkgVersion);
    assert.equal(run.stderr, '');
    assert.equal(statSync(path.join(app, 'dist', 'cli.js')).mtimeMs, before, 'dist/cli.js was rewritten');
  });

  test('without dist/cli.js it says there is nothing to build it from, and runs nothing', async () => {
    rmSync(path.join(app, 'dist', 'cli.js'));
    const run = await runToExit({ name: 'toolforge-tracing --version', command: onPath, args: ['--version'], cwd: dir.path });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `toolforge-tracing: ${app}/dist/cli.js is missing and there are no sources to build it from (no scripts/build.mjs)\n`);
  });
});
