/**
 * The agent image (agent/Containerfile) holds what the agent needs: no base image can be
 * pulled here, so the test lays out the files the Containerfile copies exactly where it
 * copies them, and runs its ENTRYPOINT from there: the real agent must find its bpftrace
 * programs and attach its probes. The packages it loads must all be production
 * dependencies (the image runs `npm ci --omit=dev`); the test checks the bundle's imports
 * against package.json and, for running, links the repository's node_modules in place of
 * that install.
 */
import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireRoot } from '../support/binaries.js';
import { freePort } from '../support/ports.js';
import { contextFiles } from '../support/build-context.js';
import { repoRoot } from '../support/preload-bundle.js';
import { runToExit, startProcess } from '../support/processes.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

const containerfile = readFileSync(path.join(repoRoot, 'agent', 'Containerfile'), 'utf8');

interface Stage {
  name: string;
  workdir: string;
  /** `into`: the destination is a directory (it ends with / or there are several sources). */
  copies: Array<{ sources: string[]; destination: string; into: boolean; from?: string }>;
  entrypoint?: string[];
}

/** The stages of a Containerfile: FROM ... AS name, WORKDIR, COPY [--from=x] src... dest, ENTRYPOINT [json]. */
function stages(text: string): Stage[] {
  const out: Stage[] = [];
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of logical) {
    const [instruction, ...rest] = line.split(/\s+/);
    if (instruction === 'FROM') out.push({ name: /\sAS\s+(\S+)/i.exec(line)?.[1] ?? `stage${out.length}`, workdir: '/', copies: [] });
    const stage = out[out.length - 1];
    if (stage === undefined) continue;
    if (instruction === 'WORKDIR') stage.workdir = rest[0]!;
    if (instruction === 'COPY') {
      const from = rest[0]!.startsWith('--from=') ? rest.shift()!.slice('--from='.length) : undefined;
      const destination = rest.pop()!;
      stage.copies.push({ sources: rest, destination: path.posix.resolve(stage.workdir, destination), into: destination.endsWith('/') || rest.length > 1, from });
    }
    if (instruction === 'ENTRYPOINT') stage.entrypoint = JSON.parse(line.slice('ENTRYPOINT'.length)) as string[];
  }
  return out;
}

/** Package names a bundle imports (ESM import/export from, dynamic import, require). */
function importedPackages(bundle: string): Set<string> {
  const specifiers = [...bundle.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)"([^"\s]+)"/g)].map((m) => m[1]!);
  const builtins = new Set(builtinModules);
  return new Set(
    specifiers
      .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:') && !builtins.has(s))
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!)),
  );
}

describe('the agent image layout (agent/Containerfile)', { timeout: 600_000 }, () => {
  let dir: TempDir;
  const all = stages(containerfile);
  const app = all.find((s) => s.name === 'app');
  const final = all[all.length - 1]!;

  before(async () => {
    dir = await makeTempDir('agent-image');
    // What the Containerfile's first line says to run before building: the CLI bundle.
    const build = await runToExit({ name: 'build', command: process.execPath, args: [path.join(repoRoot, 'scripts', 'build.mjs')], cwd: repoRoot }, 300_000);
    assert.equal(build.code, 0, build.stderr);
  });
  after(async () => dir?.remove());

  test('the runtime image takes the application tree from the app stage, and runs its CLI', () => {
    assert.ok(app, 'a stage named app');
    const fromApp = final.copies.filter((c) => c.from === 'app');
    assert.deepEqual(fromApp.map((c) => [c.sources, c.destination]), [[[app!.workdir], app!.workdir]]);
    assert.deepEqual(final.entrypoint?.slice(0, 1), ['node']);
    assert.equal(final.entrypoint?.at(-1), path.posix.join(app!.workdir, 'dist', 'cli.js'));
  });

  test('every package the CLI bundle loads is a production dependency (the image installs only those)', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // The entry and its chunks (each command's code is split off: cli/commands.ts).
    const imported = importedPackages(contextFiles(repoRoot, 'dist/cli*.js').map((file) => readFileSync(path.join(repoRoot, file), 'utf8')).join('\n'));
    assert.ok(imported.has('commander') && imported.has('prom-client'), [...imported].join(' '));
    assert.deepEqual([...imported].filter((p) => !(p in pkg.dependencies)).sort(), []);
  });

  test('laid out as the image lays it out, the agent finds its programs and attaches its probes', async () => {
    requireRoot('the agent runs bpftrace');
    const root = path.join(dir.path, 'rootfs');
    for (const copy of app!.copies) {
      for (const source of copy.sources.flatMap((s) => contextFiles(repoRoot, s))) {
        // A directory source copies its contents; a file goes into a directory destination by name.
        const target = copy.into && !source.endsWith('/') ? path.join(root, copy.destination, path.basename(source)) : path.join(root, copy.destination);
        mkdirSync(path.dirname(target), { recursive: true });
        cpSync(path.join(repoRoot, source), target, { recursive: true });
      }
    }
    // In place of `npm ci --omit=dev` (no registry for the image build here): the same packages.
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, app!.workdir, 'node_modules'));
    const entrypoint = final.entrypoint!.map((part) => (part.startsWith('/') ? path.join(root, part) : part));
    const port = await freePort();
    const agent = startProcess({
      name: 'agent from the image layout',
      command: entrypoint[0] === 'node' ? process.execPath : entrypoint[0]!,
      args: [...entrypoint.slice(1), 'agent', '--metrics-listen', `127.0.0.1:${port}`, '--interval', '2'],
      env: { PATH: process.env.PATH, HOME: dir.path },
      cwd: '/',
    });
    try {
      const deadline = Date.now() + 300_000;
      let metrics = '';
      while (!/toolforge_agent_probes_attached\{probe="files"\} 1/.test(metrics)) {
        assert.ok(Date.now() < deadline, `no probes attached in 5 minutes:\n${agent.stderr()}`);
        const exited = await Promise.race([agent.exited, new Promise((r) => setTimeout(r, 2000, undefined))]);
        assert.equal(exited, undefined, `the agent exited:\n${agent.stderr()}`);
        metrics = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
      }
      for (const probe of ['marks', 'tcp', 'files']) assert.match(metrics, new RegExp(`toolforge_agent_probes_attached\\{probe="${probe}"\\} 1`));
    } finally {
      await agent.stop('SIGTERM', 30_000);
    }
  });
});
