// An app run under the Node.js permission model (`--permission`; Node 20:
// `--experimental-permission`), allowed to read its own files only, runs as without the
// preload: same output and exit code. The preload starts only when what it needs is
// allowed (its directory; worker threads for an ES module app), else says in one line
// which flag turns it on. Node 20 refuses to load a --require'd file the app may not read,
// before any of our code runs: so for images known to run Node 20 or later the webhook
// loads the preload through an `--import=data:` gate that reads no file first
// (webhook/preload-entry.ts), and for any image it grants the read in NODE_OPTIONS when
// the pod spec shows that every Node it starts runs under the permission model (every
// other Node refuses the grant); the preload takes the grant out of what children inherit.
// These runs take NODE_OPTIONS from the real patch and the preload at /toolforge-tracing
// (a bind mount, as the pod's volume). With `--require` (an image whose Node is unknown),
// a flag the spec does not show (a script) still stops Node 20: asserted, so
// docs/operators/preload.md stays true. Node 18 has no permission model.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { V1Container } from '@kubernetes/client-node';
import fjp from 'fast-json-patch';
import { admit } from '../../webhook/admit.js';
import { parseConfig } from '../../webhook/config.js';
import { jobPod, review } from '../webhook/fixtures/pods.js';
import { startOkServer } from '../support/ok-server.js';
import { nodeBinary } from '../support/node-runtimes.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { preloadPath } from '../support/preload-bundle.js';
import { runToExit, type Completed, type ProcessSpec } from '../support/processes.js';
import { toolAccounts, type ToolAccounts } from '../support/tool-accounts.js';
import { fixtureApp } from '../support/toolforge-world.js';
import { clientSpans } from './span-queries.js';
import { preloadEntry } from '../../webhook/preload-entry.js';
import { unreadableNotice } from '../../contract/preload-read-grant.js';

const RUNTIMES = [20, 22, 24] as const;
const appDir = path.dirname(fixtureApp('permission/app.cjs'));

let receiver: OtlpReceiver;
let preload: string;
let preloadDir: string;
let targetUrl: string;
let scratch: string;
/** Runs a command with the preload directory at /toolforge-tracing, as the pod's volume. */
let pod: ToolAccounts;
const MOUNT = '/toolforge-tracing';
const closers: Array<() => unknown> = [];

before(async () => {
  preload = await preloadPath();
  preloadDir = path.dirname(preload);
  receiver = await startOtlpReceiver();
  closers.push(() => receiver.stop());
  const target = await startOkServer();
  closers.push(target.close);
  targetUrl = `${target.origin}/call`;
  scratch = await mkdtemp(path.join(tmpdir(), 'tt-permission-'));
  closers.push(() => rm(scratch, { recursive: true, force: true }));
  pod = await toolAccounts(scratch, [], { [MOUNT]: preloadDir });
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

});

const permissionFlag = (node: (typeof RUNTIMES)[number]): string => (node === 20 ? '--experimental-permission' : '--permission');

/**
 * The images of the two NODE_OPTIONS forms (webhook/preload-entry.ts): a build-service
 * image, whose Node the webhook cannot know, gets `--require`; Toolforge's node20 image
 * (in the default `injection.importImages`) gets the `--import=data:` gate. The test runs
 * the Node binary it names whatever the image says, so each form meets Node 20, 22 and 24.
 */
const FORMS = {
  require: 'tools-harbor.wmcloud.org/tool-perm/tool-perm:latest',
  import: 'docker-registry.tools.wmflabs.org/toolforge-node20-sssd-base:latest',
} as const;
type Form = keyof typeof FORMS;

/** The app container of a jobs-api pod with `image` running `command`, after the real webhook's patch. */
function patchedContainer(tool: string, command: string[], form: Form): V1Container {
  const job = jobPod({ tool });
  job.spec!.containers[0]!.command = command;
  job.spec!.containers[0]!.image = FORMS[form];
  const result = admit(review(job), { config: parseConfig({}), version: 'test', namespaceInfo: () => undefined });
  assert.equal(result.outcome, 'injected', JSON.stringify(result));
  assert.ok(result.status === 200);
  const ops = JSON.parse(Buffer.from(result.body.response.patch!, 'base64').toString('utf8')) as fjp.Operation[];
  return fjp.applyPatch(structuredClone(job), ops, true, false).newDocument.spec!.containers[0]!;
}

const envOf = (container: V1Container, name: string): string | undefined => container.env?.find((e) => e.name === name)?.value;

/** The patched container's command with its NODE_OPTIONS and service name; the collector is the test's receiver. */
function runContainer(container: V1Container, preloaded = true): Promise<Completed> {
  const spec: ProcessSpec = {
    name: envOf(container, 'OTEL_SERVICE_NAME'),
    command: container.command![0]!,
    args: [...container.command!.slice(1), ...(container.args ?? [])],
    env: {
      PATH: process.env.PATH,
      ...(preloaded ? { NODE_OPTIONS: envOf(container, 'NODE_OPTIONS') } : {}),
      OTEL_SERVICE_NAME: envOf(container, 'OTEL_SERVICE_NAME'),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      TARGET_URL: targetUrl,
    },
  };
  return runToExit(pod.wrap(spec));
}

const GRANT = `--allow-fs-read=${MOUNT}/*`;
const entry = (form: Form): string => preloadEntry(MOUNT, form);
const NOTICE = unreadableNotice(MOUNT);

/** Runs the container without and with the preload: the same exit code 3 and stdout; the preloaded run's stderr, less the bare run's lines. */
async function asWithout(container: V1Container, stdout = 'status 200\n'): Promise<string[]> {
  const bare = await runContainer(container, false);
  const withPreload = await runContainer(container);
  assert.equal(bare.code, 3, bare.stderr);
  assert.equal(bare.stdout, stdout);
  assert.equal(withPreload.code, 3, withPreload.stderr);
  assert.equal(withPreload.stdout, bare.stdout, withPreload.stderr);
  return linesBeyond(samePid(withPreload.stderr), samePid(bare.stderr));
}

describe("the permission model, with NODE_OPTIONS from the webhook's patch", () => {
  for (const form of ['require', 'import'] as const) {
    for (const node of RUNTIMES) {
      it(`${form} form, Node ${node}: a job whose command starts Node with the permission flag gets the read grant, runs as without the preload, and is traced`, async () => {
        const tool = `perm-granted-${form}-${node}`;
        const container = patchedContainer(tool, ['/bin/sh', '-c', '--', `exec ${nodeBinary(node)} ${permissionFlag(node)} --allow-fs-read=${appDir}/* ${appDir}/app.cjs`], form);
        assert.equal(envOf(container, 'NODE_OPTIONS'), `${GRANT} ${entry(form)}`);
        assert.deepEqual(await asWithout(container), []);
        const spans = await receiver.waitFor((s) => clientSpans(s, tool).length > 0, 10000, `${tool}'s client span`);
        assert.deepEqual(clientSpans(spans, tool).map((s) => s.attributes['url.full']), [targetUrl]);
      });

      it(`${form} form, Node ${node}: Node children (spawn with no permission flags, fork) run as without the preload`, async () => {
        const tool = `perm-child-${form}-${node}`;
        const container = patchedContainer(
          tool,
          ['/bin/sh', '-c', '--', `exec ${nodeBinary(node)} ${permissionFlag(node)} --allow-fs-read=${appDir}/* --allow-child-process ${appDir}/spawns-node.cjs`],
          form,
        );
        assert.equal(envOf(container, 'NODE_OPTIONS'), `${GRANT} ${entry(form)}`);
        assert.deepEqual(await asWithout(container, 'spawned: child ran\nspawned exit 0\nforked: child ran\nforked exit 0\n'), []);
      });
    }

    it(`${form} form, Node 20 without the permission model: no grant (Node would refuse it), the app runs as without the preload and is traced`, async () => {
      const tool = `perm-off-${form}-20`;
      const container = patchedContainer(tool, ['/bin/sh', '-c', '--', `exec ${nodeBinary(20)} ${appDir}/app.cjs`], form);
      assert.equal(envOf(container, 'NODE_OPTIONS'), entry(form));
      const withPreload = await runContainer(container);
      assert.equal(withPreload.code, 3, withPreload.stderr);
      assert.equal(withPreload.stdout, 'status 200\n');
      assert.equal(withPreload.stderr, '');
      await receiver.waitFor((s) => clientSpans(s, tool).length > 0, 10000, `${tool}'s client span`);
    });
  }

  it('why the grant is never unconditional: every Node without the permission model refuses it in NODE_OPTIONS and exits', async () => {
    for (const [node, code, message] of [
      [18, 9, /--allow-fs-read= is not allowed in NODE_OPTIONS/],
      [20, 1, /ERR_MISSING_OPTION/],
      [22, 1, /ERR_MISSING_OPTION/],
      [24, 1, /ERR_MISSING_OPTION/],
    ] as const) {
      const r = await runToExit({ name: `grant-without-model-${node}`, command: nodeBinary(node), args: ['-e', 'console.log("ran")'], env: { PATH: process.env.PATH, NODE_OPTIONS: `${GRANT} ${entry('require')}` } });
      assert.equal(r.code, code, `Node ${node}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message);
    }
  });

  /** A job running `/bin/sh <script>`: the permission flag is in the script, which the webhook cannot read. */
  async function hiddenFlagJob(tool: string, form: Form, node: (typeof RUNTIMES)[number], app: string, allow: string[] = []): Promise<V1Container> {
    const script = path.join(scratch, `${tool}.sh`);
    await writeFile(script, `exec ${nodeBinary(node)} ${permissionFlag(node)} --allow-fs-read=${appDir}/* ${allow.join(' ')} ${appDir}/${app}\n`);
    const container = patchedContainer(tool, ['/bin/sh', script], form);
    assert.equal(envOf(container, 'NODE_OPTIONS'), entry(form), 'no grant: the spec does not show the flag');
    return container;
  }

  for (const node of RUNTIMES) {
    it(`import form, Node ${node}: the permission flag hidden in a script: the app runs as without the preload, and one line says why it is not traced`, async () => {
      const tool = `perm-hidden-import-${node}`;
      assert.deepEqual(await asWithout(await hiddenFlagJob(tool, 'import', node, 'app.cjs')), [NOTICE]);
      assert.equal(clientSpans(receiver.spans(), tool).length, 0);
      // `-e` code, which Node 22 and 24 refuse to start with a --require'd file the model does not allow.
      const script = path.join(scratch, `${tool}-eval.sh`);
      await writeFile(script, `exec ${nodeBinary(node)} ${permissionFlag(node)} -e 'process.stdout.write("evaluated\\n"); process.exitCode = 3'\n`);
      const evaluated = patchedContainer(`${tool}-eval`, ['/bin/sh', script], 'import');
      assert.deepEqual(await asWithout(evaluated, 'evaluated\n'), [NOTICE]);
    });

    it(`import form, Node ${node}: the flag hidden in a script that grants the preload's directory itself: CommonJS and ES module apps are traced`, async () => {
      const cjs = `perm-hidden-read-import-${node}`;
      assert.deepEqual(await asWithout(await hiddenFlagJob(cjs, 'import', node, 'app.cjs', [GRANT])), []);
      const esm = `perm-hidden-esm-import-${node}`;
      const extra = await asWithout(await hiddenFlagJob(esm, 'import', node, 'app.mjs', [GRANT, '--allow-worker']));
      // Node's own warnings (--allow-worker; Node 20: the experimental feature) come once more, from the thread module.register runs the loader hooks in.
      for (const line of extra) assert.match(line, /^\(node:PID\) (\[\w+\] )?(SecurityWarning|ExperimentalWarning)|^\(Use `node --trace-warnings/, line);
      const spans = await receiver.waitFor((s) => clientSpans(s, cjs).length > 0 && clientSpans(s, esm).length > 0, 10000, `${cjs}'s and ${esm}'s client spans`);
      for (const tool of [cjs, esm]) assert.deepEqual(clientSpans(spans, tool).map((s) => s.attributes['url.full']), [targetUrl]);
    });
  }

  it('require form (an image whose Node the webhook does not know), Node 20, the flag hidden in a script: Node itself refuses to start (documented: add the grant, or opt out)', async () => {
    const r = await runContainer(await hiddenFlagJob('perm-hidden-require-20', 'require', 20, 'app.cjs'));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /code: 'ERR_ACCESS_DENIED'/);
    assert.ok(r.stderr.includes(`resource: '${MOUNT}/preload.cjs'`), r.stderr);
  });
});
