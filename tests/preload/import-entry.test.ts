// The webhook's `--import=data:` gate (webhook/preload-entry.ts, for images known to run
// Node 20 or later) loads the preload as `--require` does, without the permission model
// (its own runs: permission-model.test.ts): the same exit code, stdout and stderr as the
// app without the preload, the tool's own NODE_OPTIONS still applied, the preload's hooks
// in place before the app's first require (its client span is exported) and before an ES
// module tool's imports (ioredis's span, an import-in-the-middle hook), Node children run.
// Break-checked: with the gate starting the preload 200 ms late, both span checks fail.
// And why it is not used everywhere: Node 16 refuses `--import` in NODE_OPTIONS and does
// not start.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { preloadEntry } from '../../webhook/preload-entry.js';
import { startOkServer } from '../support/ok-server.js';
import { nodeBinary, type NodeMajor } from '../support/node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { preloadPath } from '../support/preload-bundle.js';
import { runToExit, type Completed } from '../support/processes.js';
import { fixtureApp, startToolforgeWorld } from '../support/toolforge-world.js';
import { clientSpans, serverSpans, toPeer } from './span-queries.js';

const factsApp = fixtureApp('entry-facts/app.cjs');
const factsDir = path.dirname(factsApp);
const permissionDir = path.dirname(fixtureApp('permission/app.cjs'));

let receiver: OtlpReceiver;
let preloadDir: string;
let targetUrl: string;
const closers: Array<() => unknown> = [];

before(async () => {
  preloadDir = path.dirname(await preloadPath());
  receiver = await startOtlpReceiver();
  closers.push(() => receiver.stop());
  const target = await startOkServer();
  closers.push(target.close);
  targetUrl = `${target.origin}/call`;
});
after(async () => {
  for (const close of closers.reverse()) await close();
});

type Form = 'none' | 'require' | 'import';

/** `node <args>` in `cwd` with the tool's own NODE_OPTIONS, after the preload's entry in `form` (ours first, as the webhook writes it). */
function run(node: NodeMajor, form: Form, service: string, args: string[], toolOptions = '', cwd = factsDir): Promise<Completed> {
  const nodeOptions = [form === 'none' ? '' : preloadEntry(preloadDir, form), toolOptions].filter((o) => o !== '').join(' ');
  return runToExit({
    name: service,
    command: nodeBinary(node),
    args,
    cwd,
    env: {
      PATH: process.env.PATH,
      ...(nodeOptions === '' ? {} : { NODE_OPTIONS: nodeOptions }),
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      TARGET_URL: targetUrl,
    },
  });
}

const TOOL_OPTIONS = '--title="my  tool" --max-old-space-size=200 --require ./setup.cjs';
/**
 * What the app prints. Loaded through --import, Node runs the main module through its ES
 * module loader, which gives a CommonJS main module no parent (undefined, not null) and,
 * from Node 20, its file name as id instead of '.' (documented in docs/operators/webhook.md).
 */
const facts = (node: NodeMajor, form: Form, title = 'my  tool', setup = 'ran'): string =>
  `main true; filename true; argv one,two; title ${title}; setup ${setup}; ` +
  `id ${form === 'import' && node >= 20 ? 'filename' : '.'}; parent ${form === 'import' ? 'undefined' : 'null'}\nstatus 200\n`;

describe("the --import gate loads the preload as --require does", () => {
  for (const node of [18, 20, 22, 24] as const) {
    it(`Node ${node}: a CommonJS app with its own NODE_OPTIONS runs as without the preload (but for its main module's id and parent), and its first require is traced`, async () => {
      const results: Record<Form, Completed> = {} as Record<Form, Completed>;
      for (const form of ['none', 'require', 'import'] as const) {
        results[form] = await run(node, form, `entry-cjs-${form}-node${node}`, [factsApp, 'one', 'two'], TOOL_OPTIONS);
        assert.equal(results[form].code, 3, `${form}: ${results[form].stderr}`);
        assert.equal(results[form].stdout, facts(node, form), form);
        assert.equal(results[form].stderr, results.none.stderr, form);
      }
      const spans = await receiver.waitFor(
        (s) => clientSpans(s, `entry-cjs-require-node${node}`).length > 0 && clientSpans(s, `entry-cjs-import-node${node}`).length > 0,
        10000,
        'both forms\' client spans',
      );
      for (const form of ['require', 'import']) assert.deepEqual(clientSpans(spans, `entry-cjs-${form}-node${node}`).map((s) => s.attributes['url.full']), [targetUrl], form);
      assert.equal(clientSpans(spans, `entry-cjs-none-node${node}`).length, 0);
    });
  }

  for (const node of [20, 22, 24] as const) {
    it(`Node ${node}: an ES module app runs as without the preload and is traced`, async () => {
      const bare = await run(node, 'none', `entry-esm-none-node${node}`, [path.join(permissionDir, 'app.mjs')], '', permissionDir);
      const service = `entry-esm-import-node${node}`;
      const withGate = await run(node, 'import', service, [path.join(permissionDir, 'app.mjs')], '', permissionDir);
      assert.equal(bare.code, 3, bare.stderr);
      assert.equal(bare.stdout, 'status 200\n');
      assert.deepEqual([withGate.code, withGate.stdout, withGate.stderr], [bare.code, bare.stdout, bare.stderr]);
      await receiver.waitFor((s) => clientSpans(s, service).length === 1, 10000, `${service}'s client span`);
    });

    it(`Node ${node}: an ES module tool's server and calls are traced, ioredis's too: the loader hooks are in place before its imports`, async () => {
      const world = await startToolforgeWorld({ tools: [`gate-esm-${node}`, 'callee'], redis: true });
      try {
        const callee = await world.startTool({ tool: 'callee', app: fixtureApp('callee/app.cjs'), preload: false });
        const service = `gate-esm-${node}`;
        const tool = await world.startTool({
          tool: service,
          node,
          app: fixtureApp('tool-esm/app.mjs'),
          preload: false,
          env: { NODE_OPTIONS: preloadEntry(preloadDir, 'import'), CALLEE_URL: `http://callee.toolforge.org:${callee.port}`, TOOLSDB_HOST: undefined },
        });
        const res = await fetch(`http://127.0.0.1:${tool.port}/work`);
        assert.equal(res.status, 200, await res.text());
        const spans = await world.receiver.waitFor(
          (all) =>
            serverSpans(all, service).length === 1 &&
            toPeer(clientSpans(all, service), 'callee').length === 1 &&
            toPeer(clientSpans(all, service), 'toolforge:redis').some((r) => r.scope === '@opentelemetry/instrumentation-ioredis'),
          20_000,
          `${service}: its server span, its call to the callee and ioredis's span (an import-in-the-middle hook)`,
        );
        assert.equal(toPeer(clientSpans(spans, service), 'callee')[0]!.traceId, serverSpans(spans, service)[0]!.traceId);
      } finally {
        await world.stop();
      }
    });

    it(`Node ${node}: Node children (spawn, fork) inherit the gate and run as without the preload`, async () => {
      const app = path.join(permissionDir, 'spawns-node.cjs');
      const bare = await run(node, 'none', `entry-children-none-node${node}`, [app], '', permissionDir);
      const withGate = await run(node, 'import', `entry-children-import-node${node}`, [app], '', permissionDir);
      assert.equal(bare.stdout, 'spawned: child ran\nspawned exit 0\nforked: child ran\nforked exit 0\n');
      assert.deepEqual([withGate.code, withGate.stdout, withGate.stderr], [bare.code, bare.stdout, bare.stderr]);
    });
  }

  it("Node 20: odd NODE_OPTIONS of the tool's own fare as without the preload: an unterminated quote is refused alike, its own --import and --require still run", async () => {
    for (const toolOptions of ['--title="abc', '--import=data:text/javascript,process.stdout.write(%22own%20import%5Cn%22) --require ./setup.cjs']) {
      const bare = await run(20, 'none', 'entry-odd-none', [factsApp, 'one', 'two'], toolOptions);
      const withGate = await run(20, 'import', 'entry-odd-import', [factsApp, 'one', 'two'], toolOptions);
      assert.deepEqual([withGate.code, withGate.stderr], [bare.code, bare.stderr], toolOptions);
      assert.equal(withGate.stdout.split('\n')[0], bare.stdout.split('\n')[0], toolOptions);
    }
    const refused = await run(20, 'import', 'entry-odd-import', [factsApp], '--title="abc');
    assert.equal(refused.code, 9);
    assert.match(refused.stderr, /invalid value for NODE_OPTIONS \(unterminated string\)/);
  });

  it('why only for images known to run Node 20 or later: Node 16 refuses --import in NODE_OPTIONS and does not start (with --require it runs untraced, one line)', async () => {
    const gated = await run(16, 'import', 'entry-node16-import', [factsApp, 'one', 'two']);
    assert.equal(gated.code, 9);
    assert.equal(gated.stdout, '');
    assert.match(gated.stderr, /--import= is not allowed in NODE_OPTIONS/);
    const required = await run(16, 'require', 'entry-node16-require', [factsApp, 'one', 'two']);
    assert.equal(required.code, 3, required.stderr);
    assert.equal(required.stdout, facts(16, 'require', nodeBinary(16), 'none'));
    assert.match(required.stderr, /^toolforge-tracing: Node\.js v16\.\d+\.\d+ is not supported/);
  });
});
