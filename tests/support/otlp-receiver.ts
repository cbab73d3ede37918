import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { decodeJson, decodeProtobuf, type ReceivedSpan } from './otlp-decode.js';

/**
 * A real OTLP/HTTP trace receiver on a loopback port: POST /v1/traces with
 * application/x-protobuf or application/json (gzip or not), decoded into
 * ReceivedSpan objects. `answerAfterMs` makes it a slow collector (it reads the
 * request at once, answers later).
 */
export interface OtlpReceiver {
  /** Base endpoint for OTEL_EXPORTER_OTLP_ENDPOINT (http://127.0.0.1:<port>). */
  endpoint: string;
  port: number;
  spans(): ReceivedSpan[];
  /** Export requests received, with their content type. */
  requests(): Array<{ contentType: string; spans: number }>;
  /** Resolves once `predicate(spans)` holds; rejects after `timeoutMs` with what arrived. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number, what?: string): Promise<ReceivedSpan[]>;
  stop(): Promise<void>;
}

export interface ReceiverOptions {
  answerAfterMs?: number;
  host?: string;
  /** Default 0 (a free port); a fixed one brings a "down" collector back on its address. */
  port?: number;
}

export async function startOtlpReceiver(options: ReceiverOptions = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: Array<{ contentType: string; spans: number }> = [];
  const errors: string[] = [];
  const pending = new Set<NodeJS.Timeout>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      let status = 200;
      try {
        if (req.method !== 'POST' || req.url !== '/v1/traces') throw new Error(`unexpected ${req.method} ${req.url}`);
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
        const decoded = contentType.includes('json') ? decodeJson(body.toString('utf8')) : decodeProtobuf(body);
        spans.push(...decoded);
        requests.push({ contentType, spans: decoded.length });
      } catch (err) {
        errors.push((err as Error).message);
        status = 400;
      }
      const answer = (): void => {
        res.writeHead(status, { 'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' });
        res.end(contentType.includes('json') ? '{}' : Buffer.alloc(0));
      };
      if (options.answerAfterMs === undefined) answer();
      else {
        const t = setTimeout(() => {
          pending.delete(t);
          answer();
        }, options.answerAfterMs);
        pending.add(t);
      }
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;

  const waitFor = async (predicate: (s: ReceivedSpan[]) => boolean, timeoutMs = 20000, what = 'the expected spans'): Promise<ReceivedSpan[]> => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(spans)) {
      if (Date.now() > deadline) {
        const summary = spans.map((s) => `${s.resource['service.name']}:${s.kind}:${s.name}`).join(', ');
        throw new Error(`OTLP receiver: ${what} did not arrive within ${timeoutMs} ms. Got ${spans.length} spans [${summary}]${errors.length ? `; decode errors: ${errors.join('; ')}` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return spans;
  };

  return {
    endpoint: `http://${host}:${port}`,
    port,
    spans: () => spans,
    requests: () => requests,
    waitFor,
    stop: async () => {
      for (const t of pending) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
