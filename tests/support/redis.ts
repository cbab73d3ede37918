import { redisServerArgs } from '../../local/services/redis.js';
import { requireBinary } from './binaries.js';
import { freePort, waitForPort } from './ports.js';
import { startProcess, type ManagedProcess } from './processes.js';
import { makeTempDir } from './temp-dir.js';

export interface RedisServer {
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** A real redis-server on a free loopback port, no persistence, in a temp dir. */
export async function startRedis(): Promise<RedisServer> {
  const bin = requireBinary('redis-server', 'redis-server');
  const dir = await makeTempDir('redis');
  const port = await freePort();
  const proc = startProcess({
    name: 'redis-server',
    command: bin,
    args: redisServerArgs(port, dir.path),
  });
  try {
    await waitForPort(port);
  } catch (err) {
    await proc.stop('SIGKILL');
    await dir.remove();
    throw new Error(`redis-server did not start: ${(err as Error).message}\n${proc.stdout()}${proc.stderr()}`, { cause: err });
  }
  return {
    port,
    process: proc,
    stop: async () => {
      await proc.stop();
      await dir.remove();
    },
  };
}
