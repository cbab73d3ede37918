import { mkdir } from 'node:fs/promises';
import { requireBinary, SETUP_HINT } from '../binaries.js';
import { freePort, waitForPort } from '../ports.js';
import type { Supervisor } from '../supervisor.js';

/** redis-server arguments: loopback, in the foreground, nothing written to disk. */
export function redisServerArgs(port: number, dir: string, address = '127.0.0.1'): string[] {
  return ['--port', String(port), '--bind', address, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'];
}

export async function startRedis(supervisor: Supervisor, dir: string, address: string): Promise<{ port: number }> {
  const bin = requireBinary('redis-server', `Debian package redis-server; ${SETUP_HINT}`);
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const server = supervisor.start({ name: 'redis', command: bin, args: redisServerArgs(port, dir, address) });
  await Promise.race([waitForPort(port, address), server.exited.then(() => Promise.reject(new Error(`redis-server exited: ${server.output()}`)))]);
  return { port };
}
