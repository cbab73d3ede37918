/**
 * Hostile bodies against the real `toolforge-tracing webhook` process: four clients at
 * once sending 6 MB of deeply nested JSON (with and without content-length), and deep
 * bodies small enough to pass the size limit. Each is refused with a precise 400, and a
 * normal admission sent meanwhile is still answered with its patch. Its latency is
 * printed as a diagnostic, never asserted (bench/webhook-hostile-bodies.ts has the ratio).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { review, webservicePod } from './fixtures/pods.js';
import { mutate, postReview, postStreamed, webhookForFile, type StreamedAnswer as Answer } from './helpers.js';
import { configSchema } from '../../webhook/config.js';
import { maxJsonDepth } from '../../webhook/bounded-json.js';

const HOSTILE_BYTES = 6 * 1024 * 1024;
const CLIENTS = 4;
const maxBodyBytes = configSchema.parse({}).server.maxBodyBytes;

/** `[[[[…]]]]`: `bytes` long, nested bytes/2 deep: valid JSON, as deep as it gets. */
const nested = (bytes: number) => Buffer.concat([Buffer.alloc(bytes / 2, '['), Buffer.alloc(bytes / 2, ']')]);

const running = webhookForFile();

/** One normal admission: answered with the usual injection patch; returns its latency in ms. */
async function normalAdmission(): Promise<number> {
  const start = performance.now();
  const { ops } = await mutate(running(), webservicePod());
  const ms = performance.now() - start;
  assert.ok(ops.length > 0, 'the normal pod is injected');
  return ms;
}

/** Normal admissions, one after another, for as long as `hostile` runs. */
async function admissionsDuring(hostile: Promise<Answer[]>): Promise<{ answers: Answer[]; latencies: number[] }> {
  let done = false;
  const settled = hostile.finally(() => (done = true));
  const latencies: number[] = [];
  while (!done) latencies.push(await normalAdmission());
  latencies.push(await normalAdmission());
  return { answers: await settled, latencies };
}

const summary = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return `n=${sorted.length} median=${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms max=${sorted.at(-1)!.toFixed(1)} ms`;
};

describe('hostile bodies', () => {
  test('the body limit is what a Pod AdmissionReview can be: 3 MiB (the API server\'s request limit) + 64 KiB', () => {
    assert.equal(maxBodyBytes, 3 * 1024 * 1024 + 64 * 1024);
  });

  test('baseline: normal admissions alone', async (t) => {
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) latencies.push(await normalAdmission());
    t.diagnostic(`normal admission, alone: ${summary(latencies)}`);
  });

  test(`${CLIENTS} concurrent 6 MB nested bodies with content-length: 400 naming the limit, normal admissions keep working`, async (t) => {
    const { answers, latencies } = await admissionsDuring(Promise.all(Array.from({ length: CLIENTS }, () => postStreamed(running(), nested(HOSTILE_BYTES), true, maxBodyBytes))));
    for (const a of answers) assert.deepEqual(a, { status: 400, error: `body is larger than the limit of ${maxBodyBytes} bytes (server.maxBodyBytes)` });
    t.diagnostic(`normal admission during ${CLIENTS} x 6 MB (content-length): ${summary(latencies)}`);
  });

  test(`${CLIENTS} concurrent 6 MB nested bodies, chunked (no content-length): 400 at the first level too deep`, async (t) => {
    const { answers, latencies } = await admissionsDuring(Promise.all(Array.from({ length: CLIENTS }, () => postStreamed(running(), nested(HOSTILE_BYTES), false, maxBodyBytes))));
    for (const a of answers) assert.deepEqual(a, { status: 400, error: `body nests deeper than ${maxJsonDepth} levels` });
    t.diagnostic(`normal admission during ${CLIENTS} x 6 MB chunked: ${summary(latencies)}`);
  });

  test(`${CLIENTS} concurrent nested bodies just under the size limit: 400 for the depth`, async (t) => {
    const bytes = maxBodyBytes - 2;
    const { answers, latencies } = await admissionsDuring(Promise.all(Array.from({ length: CLIENTS }, () => postStreamed(running(), nested(bytes), true, maxBodyBytes))));
    for (const a of answers) assert.deepEqual(a, { status: 400, error: `body nests deeper than ${maxJsonDepth} levels` });
    t.diagnostic(`normal admission during ${CLIENTS} x ${bytes} bytes nested: ${summary(latencies)}`);
  });

  test('a chunked body over the limit that is not deep: 400 naming the limit, counted as it streams', async () => {
    const wide = Buffer.from(`[${'0,'.repeat(HOSTILE_BYTES / 2)}0]`);
    const answers = await Promise.all(Array.from({ length: CLIENTS }, () => postStreamed(running(), wide, false, maxBodyBytes)));
    for (const a of answers) assert.deepEqual(a, { status: 400, error: `body is larger than the limit of ${maxBodyBytes} bytes (server.maxBodyBytes)` });
  });

  test('nesting up to the limit is accepted: a review with a deep annotation-free object is still answered', async () => {
    // Exactly maxJsonDepth levels: review, request and pod are 3; `extra` holds the rest.
    let object: unknown = {};
    for (let i = 0; i < maxJsonDepth - 4; i++) object = { a: object };
    const res = await postReview(running(), review({ ...webservicePod(), extra: object }));
    assert.equal(res.status, 200, res.text);
    let deeper: unknown = object;
    deeper = { a: deeper };
    const refused = await postReview(running(), review({ ...webservicePod(), extra: deeper }));
    assert.deepEqual({ status: refused.status, body: refused.json() }, { status: 400, body: { error: `body nests deeper than ${maxJsonDepth} levels` } });
  });

  test('the process is still serving', async () => {
    await normalAdmission();
  });
});
