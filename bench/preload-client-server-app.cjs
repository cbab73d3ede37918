// The benchmark's tool that both serves and calls: one process, a loopback HTTP server and
// a keep-alive client sending REQUESTS requests to it, CONCURRENCY at a time (each a CLIENT
// span and a SERVER span with the preload). Prints `at <n> rss <bytes> heap <bytes> new <bytes>` (new: the young generation's size) after
// each CHECKPOINTS count and `peak <bytes>` (VmHWM) at the end, then exits 0.
const { readFileSync } = require('node:fs');
const http = require('node:http');
const v8 = require('node:v8');

const TOTAL = Number(process.env.REQUESTS);
const CONCURRENCY = Number(process.env.CONCURRENCY);
const CHECKPOINTS = new Set(process.env.CHECKPOINTS.split(',').map(Number));

const server = http.createServer((req, res) => {
  req.resume();
  res.end('ok');
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const call = () =>
    new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/item', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
  let started = 0;
  let done = 0;
  const worker = async () => {
    while (started < TOTAL) {
      started++;
      await call();
      done++;
      if (CHECKPOINTS.has(done)) {
        const m = process.memoryUsage();
        const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
        process.stdout.write(`at ${done} rss ${m.rss} heap ${m.heapUsed} new ${newSpace.space_size}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
  process.stdout.write(`peak ${peakKb * 1024}\n`);
  agent.destroy();
  server.close();
});
