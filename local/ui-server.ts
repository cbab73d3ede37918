import fastify, { type FastifyInstance } from 'fastify';
import type { DependencyData } from '../report/model.js';

/**
 * The local UI: the dependency map and the data behind it, refreshed as data arrives. The
 * graph is read from Prometheus at most once per `refreshMs` however many browsers ask.
 * Also the sink of the collector's sampled traces (there is no Tempo locally): counted,
 * then dropped.
 */
export interface UiSources {
  /** The current graph, from Prometheus. */
  load(): Promise<DependencyData>;
  /** The map page for a graph (self-contained HTML). */
  renderMap(data: DependencyData): string;
  /** What runs and what does not (shown at /api/status). */
  status(): Record<string, unknown>;
}

export interface UiServer {
  url: string;
  tracesEndpoint: string;
  close(): Promise<void>;
}

/** Added to the served map: reloads the page when the graph changed (the map itself is static). */
const REFRESH_SCRIPT = `<script>(function(){var v=null;setInterval(function(){fetch('/api/version').then(function(r){return r.text()}).then(function(t){if(v!==null&&t!==v)location.reload();v=t}).catch(function(){})},5000)})()</script>`;

export async function startUiServer(listen: { host: string; port: number }, sources: UiSources, refreshMs = 3000): Promise<UiServer> {
  let cached: { at: number; data: DependencyData; version: string } | undefined;
  let pending: Promise<{ data: DependencyData; version: string }> | undefined;
  let tracesReceived = 0;

  const current = async (): Promise<{ data: DependencyData; version: string }> => {
    if (cached && Date.now() - cached.at < refreshMs) return cached;
    pending ??= sources
      .load()
      .then((data) => {
        cached = { at: Date.now(), data, version: graphVersion(data) };
        return cached;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const app: FastifyInstance = fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
  app.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.get('/', async (_req, reply) => {
    const { data } = await current();
    // The map forbids every connection (a file must load nothing); served here it may ask
    // this server, and only this server, whether the graph changed.
    const page = sources.renderMap(data).replace("connect-src 'none'", "connect-src 'self'");
    // The last one: the inlined map script may spell the tag in a string.
    const end = page.lastIndexOf('</body>');
    const html = end < 0 ? page + REFRESH_SCRIPT : page.slice(0, end) + REFRESH_SCRIPT + page.slice(end);
    return reply.type('text/html; charset=utf-8').send(html);
  });
  app.get('/api/graph', async () => (await current()).data);
  app.get('/api/version', async (_req, reply) => reply.type('text/plain').send((await current()).version));
  app.get('/api/status', async () => ({ ...sources.status(), tracesReceived }));
  app.post('/v1/traces', async (_req, reply) => {
    tracesReceived++;
    return reply.code(200).type('application/x-protobuf').send(Buffer.alloc(0));
  });
  app.setErrorHandler((error, _req, reply) => {
    void reply.code(503).type('text/plain').send(`toolforge-tracing local: ${error instanceof Error ? error.message : String(error)}\n`);
  });
  await app.listen({ host: listen.host, port: listen.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : listen.port;
  const base = `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`;
  return { url: `${base}/`, tracesEndpoint: base, close: () => app.close() };
}

/**
 * Changes when an edge appears or goes, or its requests or failures double: often enough to
 * follow a growing fleet, not so often that the open page reloads every few seconds.
 */
export function graphVersion(data: DependencyData): string {
  const magnitude = (n: number): number => Math.floor(Math.log2(n + 1));
  return data.edges
    .map((e) => `${e.client}>${e.server}:${magnitude(e.requests)}:${magnitude(e.failures)}`)
    .sort()
    .join('|');
}
