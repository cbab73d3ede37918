import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server answering every request with 200 "ok": the call a traced app makes. */
export async function startOkServer(): Promise<{ origin: string; close: () => void }> {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}
