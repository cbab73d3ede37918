// The destinations of bench/agent-overhead.ts, in a process of their own (run as root, so
// the agent ignores them): a TCP listener that accepts and closes, and an HTTPS server
// answering every request with a short body over kept-alive connections.
// argv: CERT_FILE KEY_FILE; prints "tcp <port> https <port>".
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';

const [certFile, keyFile] = process.argv.slice(2);
const tcp = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => {});
  socket.destroy();
});
tcp.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
  const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    res.end('{"batchcomplete":""}');
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`tcp ${tcp.address().port} https ${server.address().port}\n`));
});
