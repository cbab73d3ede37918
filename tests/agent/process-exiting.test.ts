/**
 * The exit check the supervisor polls to restart bpftrace early, read from real processes'
 * /proc/<pid>/stat (the restart itself is in agent-edges.test.ts: kill -9 of the real bpftrace).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { test } from 'node:test';
import { exitingFromStat, isExiting } from '../../agent/process-exiting.js';

test('a running process is not exiting, whatever its command name holds', async () => {
  // A name with the separators the stat line uses: "x) R 1 (y" (15 bytes at most).
  const child = spawn('python3', ['-c', "import ctypes,sys,time; ctypes.CDLL(None).prctl(15, b'x) R 1 (y', 0, 0, 0); print('named', flush=True); time.sleep(30)"], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(child.stdout!, 'data');
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    assert.ok(stat.includes('(x) R 1 (y)'), stat);
    assert.equal(exitingFromStat(stat), false);
    assert.equal(isExiting(child.pid!), false);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a process whose exit has begun is exiting while it still exists', async () => {
  // Its main thread has exited (do_exit ran for it: PF_EXITING) while another thread keeps
  // the process alive: the state a killed bpftrace is in while the kernel detaches its probes.
  const child = spawn('python3', ['-c', "import ctypes,threading,time; threading.Thread(target=time.sleep, args=(30,)).start(); print('exiting', flush=True); ctypes.CDLL(None).pthread_exit(None)"], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await once(child.stdout!, 'data');
    let stat = '';
    for (let i = 0; i < 100 && !/\) Z /.test(stat); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    }
    assert.match(stat, /\) Z /, 'main thread exited, process alive');
    assert.equal(exitingFromStat(stat), true);
    assert.equal(isExiting(child.pid!), true);
  } finally {
    child.kill('SIGKILL');
  }
  assert.throws(() => exitingFromStat('123 (cut'), /no flags field/);
});

test('a process that cannot be read is left to its exit event (not taken as exiting)', () => {
  assert.equal(isExiting(2 ** 22 + 1), false);
});
