import { Worker } from 'node:worker_threads';

/**
 * Sends the last export requests from the process's 'exit' event, where nothing
 * asynchronous runs any more: `process.exit()` (how most bots and cron jobs end) and an
 * uncaught exception never reach `beforeExit`. A worker thread, started only here, POSTs
 * the bodies one after the other while the main thread blocks in `Atomics.wait`, at most
 * `timeoutMillis` from the call, the worker's start included; then the process exits as
 * it was going to, with its own exit code, and the worker with it.
 *
 * A worker, not a child process: it shares the process's memory limit instead of adding
 * a second Node.js to the container's, and needs no binary but the running one. Its start
 * is most of the cost: a job ending with process.exit() ends ~0.25-0.35 s later than
 * without the preload (median, Node 18-24, the 2-core test machine). In a worker the
 * preload itself does not start (gate.ts), so these requests are not traced. Never
 * throws: under the permission model without `--allow-worker`, for one, nothing is sent.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { url, bodies, flag } = workerData;
const client = require(url.startsWith('https:') ? 'node:https' : 'node:http');
const finish = (state) => { Atomics.store(flag, 0, state); Atomics.notify(flag, 0); };
const send = (i) => {
  if (i === bodies.length) return finish(1);
  const req = client.request(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': bodies[i].length } }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode >= 200 && res.statusCode < 300 ? send(i + 1) : finish(2)));
  });
  req.on('error', () => finish(2));
  req.end(bodies[i]);
};
send(0);
`;

/** POSTs `bodies` (OTLP protobuf requests) to `url` in order, blocking the caller for at most `timeoutMillis`. */
export function sendAtExit(url: string, bodies: Uint8Array[], timeoutMillis: number): void {
  if (bodies.length === 0 || timeoutMillis <= 0) return;
  const deadline = Date.now() + timeoutMillis;
  try {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { url, bodies, flag }, stdout: true, stderr: true });
    worker.on('error', () => undefined);
    // The worker's start counts against the bound too.
    Atomics.wait(flag, 0, 0, Math.max(0, deadline - Date.now()));
  } catch {
    // Nothing the app did depends on this: it exits as it would have.
  }
}
