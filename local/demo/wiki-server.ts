import https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * A MediaWiki-like HTTPS API for every wiki host name it is reached by (the Host header
 * names the wiki): /w/api.php and /w/rest.php/... answer JSON, everything else 404.
 */
export async function startWikiServer(tls: { cert: string; key: string }, address: string): Promise<{ port: number; stop(): Promise<void> }> {
  const server = https.createServer(tls, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'wiki'}`);
    if (url.pathname === '/w/api.php' || url.pathname.startsWith('/w/rest.php/') || url.pathname.startsWith('/api/rest_v1/')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ wiki: url.hostname, path: url.pathname }));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
