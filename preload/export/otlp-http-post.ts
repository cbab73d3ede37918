import net from 'node:net';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * POSTs one OTLP/HTTP protobuf request, retrying what the OTLP spec calls retryable
 * (429, 502, 503, 504, connection errors) with jittered exponential backoff, all within
 * `timeoutMillis`. Resolves true on 2xx, false otherwise; never rejects. Exporting never
 * creates spans of its own: no instrumented module is used, and tracing is suppressed.
 *
 * Written on a plain socket, not with node:http: an HTTP client in the app's process
 * makes Node's http internals, which the app's server runs for every request, see client
 * objects as well as server ones, and V8 then optimizes them less well. Measured on a
 * hello-world fastify app (Node 22, bench/preload-overhead.ts): exporting through
 * http.request cost each incoming request ~2-4 us of CPU however rarely it posted (batches
 * of 256 or 1024 spans, 100-byte or full bodies: the same), where encoding the spans cost
 * well under 1 us. The protocol needed is small: a request with a Content-Length, and of
 * the answer its status code and its Content-Length (to keep the connection).
 */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const FIRST_BACKOFF_MILLIS = 100;
const MAX_BACKOFF_MILLIS = 2000;
/** The answer's head (status line and headers) is read up to this size; a longer one fails the attempt. */
const MAX_HEAD_BYTES = 8192;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})[ \r]/;
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)[ \t]*\r\n/i;
const CONNECTION_CLOSE = /\r\nconnection:[^\r]*\bclose\b/i;
const HEAD_END = '\r\n\r\n';

type Attempt = 'ok' | 'retry' | 'fail';

/** One kept-alive connection, or none; requests go one at a time (the queue sends one batch at a time). */
export class OtlpHttpPoster {
  private readonly host: string;
  private readonly port: number;
  private readonly secure: boolean;
  private readonly head: string;
  /** Loaded on the first export to an https endpoint only: node:tls costs an app that does not use it ~3 MiB. */
  private tls: typeof import('node:tls') | undefined;
  private idle: net.Socket | undefined;

  constructor(url: string) {
    const target = new URL(url);
    this.host = target.hostname.replace(/^\[(.*)\]$/, '$1');
    this.secure = target.protocol === 'https:';
    this.port = Number(target.port) || (this.secure ? 443 : 80);
    this.head = `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/x-protobuf\r\nContent-Length: `;
  }

  async post(body: Buffer, timeoutMillis: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMillis;
    if (this.secure) this.tls ??= await import('node:tls');
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

  /** A new connection that can never throw into the app, and is forgotten once closed. */
  private open(): net.Socket {
    const { host, port } = this;
    const socket = this.tls !== undefined ? this.tls.connect({ host, port, servername: net.isIP(host) === 0 ? host : undefined }) : net.connect({ host, port });
    // An idle kept-alive connection the collector resets must not become an uncaught 'error'.
    socket.on('error', () => undefined);
    // Never what keeps a finishing app alive, not even with a request out: the exit flush's
    // own timer bounds that wait (encoded-span-queue.ts), whatever the collector does.
    socket.unref();
    socket.on('close', () => {
      if (this.idle === socket) this.idle = undefined;
    });
    return socket;
  }

  /**
   * One request, on the kept-alive connection when there is one. Settled by the whole
   * answer (its head, then Content-Length bytes of body), an error, the connection's end,
   * or the timeout; the connection is kept only after a complete answer that allows it.
   * The timeout bounds the whole attempt: the socket's idle timeout would not, since a
   * collector sending one byte a second resets it for ever.
   */
  private attempt(body: Buffer, timeoutMillis: number): Promise<Attempt> {
    return new Promise((resolve) => {
      context.with(suppressTracing(ROOT_CONTEXT), () => {
        const socket = this.idle ?? this.open();
        this.idle = undefined;
        let head = '';
        let received = 0;
        let result: Attempt | undefined;
        let bodyLength = 0;
        let headLength = 0;
        const timer = setTimeout(() => onFailure(), timeoutMillis).unref();
        const settle = (attempt: Attempt, keep: boolean): void => {
          clearTimeout(timer);
          socket.removeListener('data', onData);
          socket.removeListener('error', onFailure);
          socket.removeListener('end', onFailure);
          socket.removeListener('close', onFailure);
          if (keep) this.idle = socket;
          else socket.destroy();
          resolve(attempt);
        };
        const onFailure = (): void => settle('retry', false);
        const onData = (chunk: Buffer): void => {
          received += chunk.length;
          if (result === undefined) {
            head += chunk.toString('latin1', 0, MAX_HEAD_BYTES - head.length);
            const end = head.indexOf(HEAD_END);
            if (end === -1) {
              if (head.length >= MAX_HEAD_BYTES) settle('fail', false);
              return;
            }
            const headers = head.slice(0, end + 2);
            const status = STATUS_LINE.exec(headers)?.[1];
            if (status === undefined) return settle('fail', false);
            result = statusAttempt(Number(status));
            const length = CONTENT_LENGTH.exec(headers)?.[1];
            // Without a length (chunked, or ended by closing) the status is all that is needed: the connection is dropped.
            if (length === undefined || CONNECTION_CLOSE.test(headers)) return settle(result, false);
            bodyLength = Number(length);
            headLength = end + HEAD_END.length;
          }
          const bodyReceived = received - headLength;
          if (bodyReceived === bodyLength) settle(result, true);
          else if (bodyReceived > bodyLength) settle(result, false);
        };
        socket.on('data', onData);
        socket.on('error', onFailure);
        socket.on('end', onFailure);
        socket.on('close', onFailure);
        socket.cork();
        socket.write(`${this.head}${body.length}\r\n\r\n`, 'latin1');
        socket.write(body);
        socket.uncork();
      });
    });
  }
}

function statusAttempt(status: number): Attempt {
  return status >= 200 && status < 300 ? 'ok' : RETRYABLE_STATUS.has(status) ? 'retry' : 'fail';
}
