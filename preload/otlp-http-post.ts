import http from 'node:http';
import https from 'node:https';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * POSTs one OTLP/HTTP protobuf request, retrying what the OTLP spec calls retryable
 * (429, 502, 503, 504, connection errors) with jittered exponential backoff, all within
 * `timeoutMillis`. Resolves true on 2xx, false otherwise; never rejects. Exporting never
 * creates spans of its own: the unpatched request function, and tracing suppressed.
 */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const FIRST_BACKOFF_MILLIS = 100;
const MAX_BACKOFF_MILLIS = 2000;

type Attempt = 'ok' | 'retry' | 'fail';

export class OtlpHttpPoster {
  private readonly url: URL;
  // Taken before any instrumentation patches the module: exporting never runs through instrumentation-http.
  private readonly request: typeof http.request;
  // One kept-alive connection to the node-local collector, reused by every export.
  private readonly agent: http.Agent;

  constructor(url: string) {
    this.url = new URL(url);
    const transport = this.url.protocol === 'https:' ? https : http;
    this.request = transport.request;
    this.agent = new transport.Agent({ keepAlive: true, maxSockets: 1 });
  }

  async post(body: Buffer, timeoutMillis: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMillis;
    for (let attempt = 0; ; attempt++) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const result = await this.attempt(body, left);
      if (result !== 'retry') return result === 'ok';
      const backoff = Math.min(FIRST_BACKOFF_MILLIS * 2 ** attempt, MAX_BACKOFF_MILLIS) * (0.5 + Math.random() / 2);
      if (Date.now() + backoff >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, backoff).unref());
    }
  }

  private attempt(body: Buffer, timeoutMillis: number): Promise<Attempt> {
    return new Promise((resolve) => {
      context.with(suppressTracing(ROOT_CONTEXT), () => {
        const req = this.request(
          this.url,
          {
            method: 'POST',
            agent: this.agent,
            timeout: timeoutMillis,
            headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', () => {
              const status = res.statusCode ?? 0;
              resolve(status >= 200 && status < 300 ? 'ok' : RETRYABLE_STATUS.has(status) ? 'retry' : 'fail');
            });
            res.on('error', () => resolve('retry'));
          },
        );
        req.on('timeout', () => req.destroy(new Error('OTLP export timed out')));
        req.on('error', () => resolve('retry'));
        req.end(body);
      });
    });
  }
}
