// The webhook's permission-model read grant leaves what a child inherits (preload/gate/read-grant.ts):
// written-out NODE_OPTIONS before and after. Real runs: tests/preload/permission-model.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { moveReadGrantToExecArgv, withoutReadGrant } from '../../preload/gate/read-grant.js';

test('withoutReadGrant: the grant and one space go, the rest stays as written', () => {
  assert.equal(withoutReadGrant('--allow-fs-read=/toolforge-tracing/* --require /toolforge-tracing/preload.cjs', '/toolforge-tracing'), '--require /toolforge-tracing/preload.cjs');
  assert.equal(withoutReadGrant('--max-old-space-size=200 --allow-fs-read=/toolforge-tracing/*', '/toolforge-tracing'), '--max-old-space-size=200');
  assert.equal(withoutReadGrant('--allow-fs-read=/toolforge-tracing/*', '/toolforge-tracing'), '');
  assert.equal(withoutReadGrant('--allow-fs-read=/toolforge-tracing/*  --title="a  b"', '/toolforge-tracing'), '--title="a  b"');
});

test('withoutReadGrant: nothing to do without our grant, or when NODE_OPTIONS itself turns the permission model on', () => {
  assert.equal(withoutReadGrant('--require /toolforge-tracing/preload.cjs', '/toolforge-tracing'), undefined);
  assert.equal(withoutReadGrant('--allow-fs-read=/toolforge-tracing-2/* --require x', '/toolforge-tracing'), undefined);
  assert.equal(withoutReadGrant('--allow-fs-read=/toolforge-tracing/* --require x --experimental-permission --allow-fs-read=/app/*', '/toolforge-tracing'), undefined);
  assert.equal(withoutReadGrant('--allow-fs-read=/toolforge-tracing/* --permission', '/toolforge-tracing'), undefined);
});

test('moveReadGrantToExecArgv: the grant goes from the environment to execArgv, once', () => {
  const env: Record<string, string | undefined> = { NODE_OPTIONS: '--allow-fs-read=/t/* --require /t/preload.cjs' };
  const execArgv = ['--permission', '--allow-fs-read=/app/*'];
  moveReadGrantToExecArgv(env, execArgv, '/t');
  assert.deepEqual(env, { NODE_OPTIONS: '--require /t/preload.cjs' });
  assert.deepEqual(execArgv, ['--permission', '--allow-fs-read=/app/*', '--allow-fs-read=/t/*']);
  moveReadGrantToExecArgv(env, execArgv, '/t');
  assert.deepEqual(execArgv, ['--permission', '--allow-fs-read=/app/*', '--allow-fs-read=/t/*']);
  const none: Record<string, string | undefined> = {};
  moveReadGrantToExecArgv(none, execArgv, '/t');
  assert.deepEqual(none, {});
});
