/**
 * Baseline for bench/webhook-throughput.ts: a bare fastify HTTPS server, same TLS
 * and body limit as the webhook, whose POST /mutate parses the AdmissionReview and
 * sends it back (`echo`), sends it back padded to BYTES (`sized BYTES`: as large as the
 * webhook's answer, since TLS and the load generator pay per byte), or answers the minimal
 * allowed review (`minimal`).
 * Usage: node --import tsx bench/webhook-echo-server.ts CERT KEY echo|minimal|sized BYTES
 */
import Fastify from 'fastify';
import { readFileSync } from 'node:fs';

const [certFile, keyFile, mode, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
if (certFile === undefined || keyFile === undefined || !(mode === 'echo' || mode === 'minimal' || (mode === 'sized' && size > 0))) {
  process.stderr.write('usage: webhook-echo-server.ts CERT KEY echo|minimal|sized BYTES\n');
  process.exit(2);
}
const app = Fastify({
  https: { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), minVersion: 'TLSv1.2' },
  bodyLimit: 6 * 1024 * 1024,
  logger: false,
});
app.post('/mutate', async (request) => {
  const review = request.body as { request: { uid: string } };
  if (mode === 'echo') return review;
  if (mode === 'sized') {
    const bare = JSON.stringify(review);
    return { ...review, pad: 'x'.repeat(Math.max(0, size - bare.length - 10)) };
  }
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening on https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mutate\n`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
