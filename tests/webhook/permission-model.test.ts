// When the webhook grants the preload's directory to Node's permission model (webhook/permission-model.ts):
// only when every Node the container visibly starts runs under it, since any Node without
// the permission model refuses --allow-fs-read and exits. Runs with real Node binaries
// through the real patch: tests/preload/permission-model.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container } from '@kubernetes/client-node';
import { startsNodeOnlyWithPermissionModel } from '../../webhook/permission-model.js';

const sh = (script: string): Pick<V1Container, 'command'> => ({ command: ['/bin/sh', '-c', '--', script] });

const CASES: Array<[string, Partial<V1Container>, boolean]> = [
  ['exec form, Node 20 flag', { command: ['node', '--experimental-permission', '--allow-fs-read=/data/project/t/*', 'app.js'] }, true],
  ['exec form, absolute path, Node 22 flag', { command: ['/usr/bin/node', '--permission', 'app.js'] }, true],
  ['command and args', { command: ['nodejs'], args: ['--permission', '--allow-fs-read', '/app/*', 'index.js'] }, true],
  ['flag after -r and its value', { command: ['node', '-r', './setup.js', '--permission', 'app.js'] }, true],
  ['the flag is an argument of the app', { command: ['node', 'app.js', '--permission'] }, false],
  ['no flag', { command: ['node', 'app.js'] }, false],
  ['--permission-audit (denies nothing)', { command: ['node', '--permission-audit', 'app.js'] }, false],
  ['sh -c with exec', sh('exec node --permission --allow-fs-read=/app/* app.js'), true],
  ['jobs-style log redirections first', sh('exec 1>>/data/project/t/job.out; exec 2>>/data/project/t/job.err; node --experimental-permission app.js'), true],
  ['cd and 2>&1', { command: ['bash', '-c', 'cd /app && node --permission index.js 2>&1'] }, true],
  ['quoted flag', sh("exec node '--permission' app.js"), true],
  ['an assignment before node', sh('LANG=C node --permission app.js'), true],
  ['npm before node (npm is a Node without the flag)', sh('npm ci && node --permission app.js'), false],
  ['a pipe into another program', sh('node --permission app.js | tee log'), false],
  ['backgrounded', sh('node --permission app.js &'), false],
  ['a command substitution', sh('node --permission $(cat flags) app.js'), false],
  ['two Nodes, one without', sh('node --permission a.js; node b.js'), false],
  ['a script file', { command: ['/bin/sh', '/data/project/t/start.sh'] }, false],
  ['a build-service launcher', { command: ['launcher', 'web'] }, false],
  ['the image entrypoint with args', { args: ['--permission', 'app.js'] }, false],
  ['webservice-runner', { command: ['/usr/bin/webservice-runner', '--type', 'node18', '--port', '8000'] }, false],
  ["the tool's NODE_OPTIONS turns it on", { command: ['npm', 'start'], env: [{ name: 'NODE_OPTIONS', value: '--max-old-space-size=200 --experimental-permission --allow-fs-read=/app/*' }] }, true],
  ["a NODE_OPTIONS value that only contains the word", { command: ['npm', 'start'], env: [{ name: 'NODE_OPTIONS', value: '--title=--permission' }] }, false],
];

for (const [what, container, expected] of CASES) {
  test(`${what}: ${expected ? 'grant' : 'no grant'}`, () => {
    assert.equal(startsNodeOnlyWithPermissionModel({ name: 'job', ...container }), expected);
  });
}
