/**
 * How the agent tells, for a process already running, that our preload runs in it: its
 * NODE_OPTIONS names the preload file and it holds that file open (the preload opens it once
 * its SDK has started). Real processes: the real preload on Node 20 (it starts) and Node 16
 * (too old: it does not, and holds nothing).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdsFile, scanMarks } from '../../agent/process-marks.js';
import { nodeBinary } from '../support/node-runtimes.js';
import { preloadPath } from '../support/preload-bundle.js';
import { startProcess } from '../support/processes.js';

const idle = 'setInterval(() => {}, 1000); console.log("up");';

test('a running process whose preload started holds the preload file; one whose preload did not, does not', async () => {
  const preload = await preloadPath();
  // No collector: the preload keeps its spans and the process stays up.
  const env = { PATH: process.env.PATH, NODE_OPTIONS: `--require ${preload}`, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' };
  const started = startProcess({ name: 'node 20 with the preload', command: nodeBinary(20), args: ['-e', idle], env });
  const tooOld = startProcess({ name: 'node 16 with the preload named', command: nodeBinary(16), args: ['-e', idle], env });
  try {
    await started.waitForOutput(/up/, 30_000);
    await tooOld.waitForOutput(/up/, 30_000);
    assert.match(tooOld.stderr(), /is not supported/);
    assert.equal(holdsFile(started.child.pid!, preload), true);
    assert.equal(holdsFile(tooOld.child.pid!, preload), false);
    assert.equal(holdsFile(started.child.pid!, '/dist/preload/preload.cjs'), true, 'the end of its path is enough');
    assert.equal(holdsFile(started.child.pid!, '/etc/hostname'), false);
    const marks = scanMarks(preload, 100_000);
    assert.equal(marks.get(started.child.pid!), 2);
    assert.equal(marks.has(tooOld.child.pid!), false, 'named in NODE_OPTIONS, but its preload does not run');
  } finally {
    await started.stop();
    await tooOld.stop();
  }
});
