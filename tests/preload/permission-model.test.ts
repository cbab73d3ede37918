// An app run under the Node.js permission model (`--permission`; Node 20:
// `--experimental-permission`), allowed to read its own files only, runs as without the
// preload: same output and exit code. The preload starts only when what it needs is
// allowed (its directory; worker threads for an ES module app), else says in one line
// which flag turns it on. Node 20 alone cannot be helped by the preload: it refuses to
// load a --require'd file the app may not read, before any of our code runs (documented
// in docs/operators/preload.md; asserted here so the docs stay true). Node 18 has no
// permission model.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodeBinary } from '../support/node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { preloadPath } from '../support/preload-bundle.js';
import { runToExit, type Completed } from '../support/processes.js';
import { fixtureApp } from '../support/toolforge-world.js';
import { clientSpans } from './span-queries.js';

const RUNTIMES = [20, 22, 24] as const;
const appDir = path.dirname(fixtureApp('permission/app.cjs'));

let receiver: OtlpReceiver;
let preload: string;
let preloadDir: string;
let targetUrl: string;
const closers: Array<() => unknown> = [];

before(async () => {
  preload = await preloadPath();
  preloadDir = path.dirname(preload);
  receiver = await startOtlpReceiver();
  closers.push(() => receiver.stop());
  const target = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  closers.push(() => target.close() && target.closeAllConnections());
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/call`;
});
after(async () => {
  for (const close of closers.reverse()) await close();
});

interface Run {
  node: (typeof RUNTIMES)[number];
  app: 'app.cjs' | 'app.mjs';
  service: string;
  preloaded: boolean;
  /** Flags beyond the permission model's and reading the app's directory. */
  allow?: string[];
}

async function run(r: Run): Promise<Completed> {
  const permissionFlag = r.node === 20 ? '--experimental-permission' : '--permission';
  return runToExit({
    name: r.service,
    command: nodeBinary(r.node),
    args: [permissionFlag, `--allow-fs-read=${appDir}/*`, ...(r.allow ?? []), path.join(appDir, r.app)],
    env: {
      PATH: process.env.PATH,
      ...(r.preloaded ? { NODE_OPTIONS: `--require ${preload}` } : {}),
      OTEL_SERVICE_NAME: r.service,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      TARGET_URL: targetUrl,
    },
  });
}

/** Node 20 prints an ExperimentalWarning with the process id in it. */
const samePid = (stderr: string): string => stderr.replace(/\(node:\d+\)/g, '(node:PID)');

/** The lines of `more` left once each line of `base` is taken out of it once; fails if `base` has a line `more` lacks. */
function linesBeyond(more: string, base: string): string[] {
  const left = more.split('\n');
  for (const line of base.split('\n')) {
    const at = left.indexOf(line);
    assert.notEqual(at, -1, `missing line ${JSON.stringify(line)} in:\n${more}`);
    left.splice(at, 1);
  }
  return left;
}

async function traced(r: Omit<Run, 'preloaded'>): Promise<{ bare: Completed; withPreload: Completed }> {
  const bare = await run({ ...r, service: `${r.service}-bare`, preloaded: false });
  const withPreload = await run({ ...r, preloaded: true });
  assert.equal(bare.code, 3, bare.stderr);
  assert.equal(bare.stdout, 'status 200\n');
  assert.equal(withPreload.code, 3, withPreload.stderr);
  assert.equal(withPreload.stdout, bare.stdout);
  return { bare, withPreload };
}

describe('the Node.js permission model', () => {
  for (const node of RUNTIMES) {
    it(`Node ${node}: with the preload's directory readable, the app runs and is traced, with nothing printed`, async () => {
      const service = `permission-traced-node${node}`;
      const { bare, withPreload } = await traced({ node, app: 'app.cjs', service, allow: [`--allow-fs-read=${preloadDir}/*`] });
      assert.equal(samePid(withPreload.stderr), samePid(bare.stderr));
      const spans = await receiver.waitFor((s) => clientSpans(s, service).length > 0, 10000, `${service}'s client span`);
      assert.deepEqual(clientSpans(spans, service).map((s) => s.attributes['url.full']), [targetUrl]);
    });

    it(`Node ${node}: an ES module app needs --allow-worker as well: without it one line, with it traced`, async () => {
      const denied = `permission-esm-denied-node${node}`;
      const without = await traced({ node, app: 'app.mjs', service: denied, allow: [`--allow-fs-read=${preloadDir}/*`] });
      assert.equal(
        samePid(without.withPreload.stderr),
        `toolforge-tracing: the permission model does not allow worker threads, which tracing an ES module app needs; tracing is off, the app runs normally (--allow-worker turns it on)\n${samePid(without.bare.stderr)}`,
      );
      const allowed = `permission-esm-node${node}`;
      const withWorkers = await traced({ node, app: 'app.mjs', service: allowed, allow: [`--allow-fs-read=${preloadDir}/*`, '--allow-worker'] });
      // Node's own warnings (--allow-worker; Node 20: the experimental feature) come once more, from the thread module.register runs the loader hooks in.
      const bareLines = samePid(withWorkers.bare.stderr).split('\n');
      const extra = linesBeyond(samePid(withWorkers.withPreload.stderr), samePid(withWorkers.bare.stderr));
      assert.ok(extra.some((l) => /SecurityWarning: The flag --allow-worker must be used with extreme caution/.test(l)), withWorkers.withPreload.stderr);
      for (const l of extra) assert.ok(bareLines.includes(l), `${JSON.stringify(l)} is one of Node's own lines`);
      await receiver.waitFor((s) => clientSpans(s, allowed).length === 1, 10000, `${allowed}'s client span`);
      assert.equal(clientSpans(receiver.spans(), denied).length, 0);
    });
  }

  for (const node of [22, 24] as const) {
    it(`Node ${node}: with the preload's directory not readable, the app runs as without it, and one line says why it is not traced`, async () => {
      const service = `permission-unreadable-node${node}`;
      const { bare, withPreload } = await traced({ node, app: 'app.cjs', service });
      assert.equal(
        withPreload.stderr,
        `toolforge-tracing: the permission model does not allow reading ${preloadDir}; tracing is off, the app runs normally (--allow-fs-read=${preloadDir}/* turns it on)\n${bare.stderr}`,
      );
      assert.equal(clientSpans(receiver.spans(), service).length, 0);
    });
  }

  it("Node 20: with the preload's directory not readable, Node itself refuses to start (documented: add --allow-fs-read for it, or opt out)", async () => {
    const r = await run({ node: 20, app: 'app.cjs', service: 'permission-unreadable-node20', preloaded: true });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /code: 'ERR_ACCESS_DENIED'/);
    assert.ok(r.stderr.includes(`resource: '${preload}'`), r.stderr);
  });
});
