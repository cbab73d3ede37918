/**
 * How much hostile bodies slow a normal admission: the real `toolforge-tracing webhook`
 * answers a webservice pod's review one after another, first alone (the baseline), then
 * while `--clients` connections keep sending deeply nested JSON of `--bytes` bytes
 * (with content-length, or chunked with `--chunked`). Prints median and p99 latency of
 * both phases and their ratio. What matters is the p99 during the attack: it must stay far
 * below the API server's timeoutSeconds (3 s in the chart), past which pods go untraced.
 *
 * Run: node --import tsx bench/webhook-hostile-bodies.ts [--admissions 200] [--clients 4] [--bytes 6000000] [--chunked]
 */
import { parseArgs } from 'node:util';
import { configSchema } from '../webhook/config.js';
import { review, webservicePod } from '../tests/webhook/fixtures/pods.js';
import { closeAgents, postReview, postStreamed, startWebhook, type RunningWebhook } from '../tests/webhook/helpers.js';

const { values } = parseArgs({
  options: {
    admissions: { type: 'string', default: '200' },
    clients: { type: 'string', default: '4' },
    bytes: { type: 'string', default: '6000000' },
    chunked: { type: 'boolean', default: false },
  },
});
const admissions = Number(values.admissions);
const clients = Number(values.clients);
const bytes = Math.floor(Number(values.bytes) / 2) * 2;
const maxBodyBytes = configSchema.parse({}).server.maxBodyBytes;
const body = Buffer.concat([Buffer.alloc(bytes / 2, '['), Buffer.alloc(bytes / 2, ']')]);

async function latencies(w: RunningWebhook, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const res = await postReview(w, review(webservicePod()));
    out.push(performance.now() - start);
    if (res.status !== 200) throw new Error(`normal admission answered ${res.status}: ${res.text}`);
  }
  return out.sort((a, b) => a - b);
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

const w = await startWebhook();
try {
  await latencies(w, 20); // warm-up
  const alone = await latencies(w, admissions);
  let attacking = true;
  const refusals = new Map<string, number>();
  const attacker = async () => {
    while (attacking) {
      const a = await postStreamed(w, body, !values.chunked, maxBodyBytes).catch((err: Error) => ({ status: 0, error: err.message }));
      const key = `${a.status} ${a.error}`;
      refusals.set(key, (refusals.get(key) ?? 0) + 1);
    }
  };
  const attackers = Array.from({ length: clients }, attacker);
  const during = await latencies(w, admissions);
  attacking = false;
  await Promise.all(attackers);
  const row = (name: string, s: number[]) => `${name.padEnd(34)} median ${quantile(s, 0.5).toFixed(1).padStart(7)} ms   p99 ${quantile(s, 0.99).toFixed(1).padStart(7)} ms`;
  process.stdout.write(`${admissions} normal admissions; ${clients} clients sending ${bytes} bytes nested ${values.chunked ? 'chunked' : 'with content-length'}; body limit ${maxBodyBytes}\n`);
  process.stdout.write(`${row('alone', alone)}\n${row('during hostile bodies', during)}\n`);
  process.stdout.write(`ratio: median ${(quantile(during, 0.5) / quantile(alone, 0.5)).toFixed(2)}, p99 ${(quantile(during, 0.99) / quantile(alone, 0.99)).toFixed(2)}\n`);
  for (const [answer, count] of refusals) process.stdout.write(`hostile answers: ${count} x ${answer}\n`);
} finally {
  closeAgents();
  await w.stop();
}
