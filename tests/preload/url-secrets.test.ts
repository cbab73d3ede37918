// Secrets in outgoing URLs never leave the pod, in any of the shapes tools put them:
// parameters whose names say so (also `;`-separated and in path segments), bare query
// values, and credentials in the path (a Telegram bot token, a webhook token). A real
// tool process makes 10,000 requests (http.get and fetch) with a fresh secret in each;
// the OTLP it exports is decoded and searched for every one of them. Ordinary ids in the
// same URLs (numbers, UUIDs, hashes, titles) must arrive unchanged. Expected URLs are
// written out here, not computed by the code under test.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_NODE, nodeBinary } from '../support/node-runtimes.js';
import type { ReceivedSpan } from '../support/otlp-decode.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { preloadPath } from '../support/preload-bundle.js';
import { runToExit } from '../support/processes.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { fixtureApp } from '../support/toolforge-world.js';
import { clientSpans, urlOf } from './span-queries.js';

const REQUESTS = 10000;
const SERVICE = 'url-secrets';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A credential as services issue them: random letters of both cases and digits. Each starts with `Xk7` (so each class is there), which nothing else sent contains. */
function credential(length: number): string {
  return `Xk7${[...randomBytes(length - 3)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('')}`;
}
/** Bare values start with APIKEY, which nothing else sent contains. */
const upperDigits = (length: number): string => [...randomBytes(length)].map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[b % 36]).join('');
const digits = (length: number): string => [...randomBytes(length)].map((b) => String(b % 10)).join('');

interface Case {
  /** Path and query sent, with a fresh secret in it. */
  sent: string;
  /** Path and query that must arrive. */
  exported: string;
  /** Where instrumentation-http records it otherwise: it re-serializes the query (`?X` -> `?X=`, `;` and `=` in a value percent-encoded). */
  exportedByHttp?: string;
}

/** Each shape makes one request's path and query around a fresh secret. */
const shapes: Array<() => Case> = [
  () => {
    const s = credential(24);
    return { sent: `/v1/data?access_key=${s}&q=ok`, exported: '/v1/data?access_key=REDACTED&q=ok' };
  },
  () => {
    const s = credential(16);
    return { sent: `/login?user=bob&pw=${s}`, exported: '/login?user=bob&pw=REDACTED' };
  },
  () => {
    const s = credential(20);
    return { sent: `/oauth/request?oauth_consumer_key=${s}&oauth_version=1.0`, exported: '/oauth/request?oauth_consumer_key=REDACTED&oauth_version=1.0' };
  },
  () => {
    const s = credential(30);
    return { sent: `/v1/items?a=1;token=${s};b=2`, exported: '/v1/items?a=1;token=REDACTED;b=2', exportedByHttp: '/v1/items?a=1%3Btoken%3DREDACTED%3Bb%3D2' };
  },
  () => {
    const s = `APIKEY${upperDigits(10)}`;
    return { sent: `/feed?${s}`, exported: '/feed?REDACTED', exportedByHttp: '/feed?REDACTED=' };
  },
  () => {
    const s = `${digits(10)}:${credential(35)}`;
    return { sent: `/bot${s}/sendMessage?chat_id=42`, exported: '/REDACTED/sendMessage?chat_id=42' };
  },
  () => {
    const s = credential(40);
    return { sent: `/api/webhooks/112233445566/${s}`, exported: '/api/webhooks/112233445566/REDACTED' };
  },
  () => {
    const s = credential(32);
    return { sent: `/app;jsessionid=${s}/page`, exported: '/app;jsessionid=REDACTED/page' };
  },
  () => {
    const s = credential(28);
    return { sent: `/v2/x?X-Api-Key=${s}&accessKey=${s}&client_secret=${s}`, exported: '/v2/x?X-Api-Key=REDACTED&accessKey=REDACTED&client_secret=REDACTED' };
  },
];

/** What is not a secret stays: it is what makes a trace useful. */
const ORDINARY = [
  '/wiki/List_of_World_Heritage_Sites_in_2023?action=raw',
  '/w/index.php?title=Windows_10_Installation&keyword=monkey&sortkey=Abc9&lang_code=de',
  '/items/123456789012',
  '/objects/0f8fad5b-d9cb-469f-a165-70867728950e',
  '/commits/4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  '/w/rest.php/v1/page/Albert_Einstein/history',
  '/wiki/File:Example_image_2023.JPG',
];

describe('secrets in outgoing URLs, on the decoded OTLP of 10,000 requests', () => {
  let receiver: OtlpReceiver;
  let dir: TempDir;
  let origin: string;
  let cases: Case[];
  let spans: ReceivedSpan[];

  before(async () => {
    receiver = await startOtlpReceiver();
    dir = await makeTempDir('url-secrets');
    const target = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    cases = Array.from({ length: REQUESTS }, (_, i) =>
      i % 10 === 9 ? { sent: ORDINARY[i % ORDINARY.length]!, exported: ORDINARY[i % ORDINARY.length]! } : shapes[i % shapes.length]!(),
    );
    const urlsFile = path.join(dir.path, 'urls.txt');
    writeFileSync(urlsFile, cases.map((c) => `${origin}${c.sent}`).join('\n'));
    const run = await runToExit(
      {
        name: SERVICE,
        command: nodeBinary(DEFAULT_NODE),
        args: [fixtureApp('url-caller/app.cjs')],
        env: {
          PATH: process.env.PATH,
          NODE_OPTIONS: `--require ${await preloadPath()}`,
          OTEL_SERVICE_NAME: SERVICE,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
          OTEL_BSP_MAX_QUEUE_SIZE: '65536',
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
          OTEL_BSP_SCHEDULE_DELAY: '200',
          URLS_FILE: urlsFile,
        },
      },
      180000,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `requested ${REQUESTS}\n`);
    spans = clientSpans(await receiver.waitFor((s) => clientSpans(s, SERVICE).length >= REQUESTS, 30000, `${REQUESTS} client spans`), SERVICE);
    target.close();
  });
  after(async () => {
    await receiver?.stop();
    await dir?.remove();
  });

  it('exports one client span per request', () => {
    assert.equal(spans.length, REQUESTS);
  });

  it('no secret appears anywhere in what was exported', () => {
    const leaks = JSON.stringify(spans).match(/Xk7[A-Za-z0-9]*|APIKEY[A-Z0-9]*/g) ?? [];
    assert.deepEqual(leaks.slice(0, 5), [], `${leaks.length} secrets left the pod`);
  });

  it('each URL arrives exactly as written out: secrets REDACTED, ordinary ids and titles kept', () => {
    const count = (urls: string[]): Map<string, number> => {
      const counts = new Map<string, number>();
      for (const u of urls.sort()) counts.set(u, (counts.get(u) ?? 0) + 1);
      return counts;
    };
    // The app alternates: even requests with http.get, odd ones with fetch.
    const wanted = cases.map((c, i) => `${origin}${i % 2 === 0 ? (c.exportedByHttp ?? c.exported) : c.exported}`);
    assert.deepEqual(count(spans.map((s) => String(urlOf(s)))), count(wanted));
  });
});
