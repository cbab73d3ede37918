import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { failureReason } from '../../local/failure-reason.js';
import { Supervisor } from '../../local/supervisor.js';
import { requireBinary } from '../support/binaries.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';

/**
 * The line `local` prints when the agent does not start ("not running the eBPF agent: it did
 * not start (...)") names the reason, for the failures it meets: real processes under the
 * real Supervisor, their real output.
 */

let logs: TempDir;
let supervisor: Supervisor;

before(async () => {
  logs = await makeTempDir('local-failure-reason');
  supervisor = new Supervisor(logs.path, logs.path);
});

after(async () => {
  await supervisor?.stopAll();
  await logs?.remove();
});

const failure = async (name: string, command: string, args: string[], timeoutMs = 30_000): Promise<string> => {
  const child = supervisor.start({ name, command, args });
  const error = await child.waitForOutput(/never printed/, timeoutMs).then(
    () => assert.fail(`${name} printed what it never prints`),
    (e: Error) => e,
  );
  return failureReason(error.message);
};

test('a Node crash: the error, not the stack or the "Node.js v20" line that ends it', async () => {
  const reason = await failure('node crash', process.execPath, ['-e', "throw new TypeError('no BTF at /sys/kernel/btf/vmlinux')"]);
  assert.equal(reason, 'node crash exited before it was ready: TypeError: no BTF at /sys/kernel/btf/vmlinux');
});

test('bpftrace refusing a program: its ERROR line, not the source line or the ~~ marker under it', async () => {
  const bpftrace = requireBinary('bpftrace', 'Debian package bpftrace');
  const reason = await failure('bpftrace', bpftrace, ['-e', 'BEGIN { if ({{W_HTTP_1}}) { exit(); } }']);
  assert.equal(reason, 'bpftrace exited before it was ready: stdin:1:12-14: ERROR: syntax error, unexpected {');
});

test('not ready in time: that, and the last line it printed', async () => {
  const reason = await failure('slow', '/bin/sh', ['-c', 'echo loading; echo still loading its probes; exec sleep 60'], 2000);
  assert.equal(reason, 'slow was not ready within 2 s: still loading its probes');
});
