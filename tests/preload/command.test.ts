// `toolforge-tracing preload-path` is what acceptance checks and operators use to find
// the bundle; it must print an absolute path to a preload.cjs that loads.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_NODE, nodeBinary } from '../support/node-runtimes.js';
import { repoRoot } from '../support/preload-bundle.js';
import { runToExit } from '../support/processes.js';

describe('toolforge-tracing preload-path', () => {
  it('prints the absolute path of the built preload, which a Node app can --require', async () => {
    const r = await runToExit({ command: path.join(repoRoot, 'bin', 'toolforge-tracing'), args: ['preload-path'], cwd: '/' }, 120000);
    assert.equal(r.code, 0, r.stderr);
    const printed = r.stdout.trim();
    assert.equal(printed, path.join(repoRoot, 'dist', 'preload', 'preload.cjs'));
    assert.ok(existsSync(printed));
    for (const sibling of ['sdk.cjs', 'hook.mjs', 'lib/register.js', 'package.json']) assert.ok(existsSync(path.join(path.dirname(printed), sibling)), sibling);
    const app = await runToExit({
      command: nodeBinary(DEFAULT_NODE),
      args: ['-e', 'console.log("app ran")'],
      env: { PATH: process.env.PATH, NODE_OPTIONS: `--require ${printed}`, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    });
    assert.equal(app.code, 0);
    assert.equal(app.stdout, 'app ran\n');
    assert.equal(app.stderr, '');
  });
});
