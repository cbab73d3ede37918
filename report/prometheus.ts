/**
 * The Prometheus HTTP API's instant query, and nothing else: the reports need no other
 * endpoint, so Thanos Query, Mimir and Cortex (the same API under a path prefix such as
 * `/prometheus`) work the same way. Every failure names the URL and the cause.
 */
import { ReportError } from './errors.js';

/** One series of an instant vector. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusClient {
  readonly url: string;
  /** Evaluates `promql` at `time` (an instant vector is required). */
  query(promql: string, time: Date): Promise<Sample[]>;
  /** Queries sent so far (the reports keep this bounded: a few per report, none per tool). */
  readonly queries: number;
}

export interface PrometheusOptions {
  /** Extra request headers, e.g. Mimir's `X-Scope-OrgID`. */
  headers?: Record<string, string>;
  timeoutMs?: number;
}

interface ApiAnswer {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

/** `base` may carry a path prefix (`https://thanos.example/`, `https://mimir.example/prometheus`). */
export function queryEndpoint(base: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new ReportError(`--prometheus ${JSON.stringify(base)} is not a URL (e.g. http://prometheus.example:9090)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ReportError(`--prometheus ${base}: only http and https URLs are supported`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/query`;
  return url;
}

export function prometheusClient(base: string, options: PrometheusOptions = {}): PrometheusClient {
  const endpoint = queryEndpoint(base);
  const timeoutMs = options.timeoutMs ?? 120_000;
  let queries = 0;
  return {
    url: base,
    get queries() {
      return queries;
    },
    async query(promql: string, time: Date): Promise<Sample[]> {
      queries++;
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...options.headers },
          body: new URLSearchParams({ query: promql, time: String(time.getTime() / 1000) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new ReportError(`cannot reach Prometheus at ${base}: ${causeOf(error, timeoutMs)}`);
      }
      const text = await response.text();
      let answer: ApiAnswer;
      try {
        answer = JSON.parse(text) as ApiAnswer;
      } catch {
        throw new ReportError(
          `Prometheus at ${base} answered ${endpoint.pathname} with HTTP ${response.status} and no query API JSON (wrong URL or path prefix?): ${text.slice(0, 200).trim()}`,
        );
      }
      if (answer.status !== 'success') {
        throw new ReportError(`Prometheus at ${base} refused a query (HTTP ${response.status}, ${answer.errorType ?? 'error'}): ${answer.error ?? text.slice(0, 200)}\n  query: ${promql}`);
      }
      if (answer.data?.resultType !== 'vector' || !Array.isArray(answer.data.result)) {
        throw new ReportError(`Prometheus at ${base} returned a ${answer.data?.resultType ?? 'missing'} result where an instant vector was expected\n  query: ${promql}`);
      }
      return answer.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) })).filter((s) => Number.isFinite(s.value));
    },
  };
}

/** fetch() says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a TLS error) is in `cause`. */
function causeOf(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
