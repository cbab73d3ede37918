import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A front proxy that only forwards, like Toolforge's: picks the backend by Host header,
 * passes method, path and headers (traceparent included) through untouched, and is not
 * instrumented, so it adds no node of its own between two tools.
 */
export interface FrontProxy {
  port: number;
  /** Host name (without port) -> backend port on 127.0.0.1. */
  routes: Map<string, number>;
  forwarded(): number;
  stop(): Promise<void>;
}

export async function startFrontProxy(address = '127.0.0.1'): Promise<FrontProxy> {
  const routes = new Map<string, number>();
  let forwarded = 0;
  const server = http.createServer((req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const backend = routes.get(host);
    if (backend === undefined) {
      res.writeHead(502).end(`no backend for ${host}`);
      return;
    }
    const upstream = http.request({ host: '127.0.0.1', port: backend, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      forwarded++;
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (err) => res.writeHead(502).end(err.message));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    routes,
    forwarded: () => forwarded,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
