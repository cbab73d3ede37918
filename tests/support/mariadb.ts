import { mariaDbInstallArgs, mariaDbLayout, mariaDbServerArgs } from '../../local/services/mariadb.js';
import { requireBinary, requireRoot } from './binaries.js';
import { freePort, waitForPort } from './ports.js';
import { runToExit, startProcess, type ManagedProcess } from './processes.js';
import { makeTempDir } from './temp-dir.js';

export interface MariaDbServer {
  port: number;
  socket: string;
  process: ManagedProcess;
  /** Runs SQL as the server's root user (over the unix socket); returns the client's tab-separated output. */
  sql(statements: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A real MariaDB server (Debian mariadb-server) on a free loopback port with its own
 * data directory in a temp dir. Runs as root (`--user=root`), which the tests are. The server's
 * arguments are the ones `toolforge-tracing local` uses (local/services/mariadb.ts).
 */
export async function startMariaDb(): Promise<MariaDbServer> {
  requireRoot('mariadbd is started with --user=root on a private data directory');
  const mariadbd = requireBinary('mariadbd', 'mariadb-server');
  const installDb = requireBinary('mariadb-install-db', 'mariadb-server');
  const client = requireBinary('mariadb', 'mariadb-client');
  const dir = await makeTempDir('mariadb');
  const layout = mariaDbLayout(dir.path);
  const { socket } = layout;
  const init = await runToExit(
    {
      name: 'mariadb-install-db',
      command: installDb,
      args: mariaDbInstallArgs(layout),
    },
    120000,
  );
  if (init.code !== 0) {
    await dir.remove();
    throw new Error(`mariadb-install-db failed (exit ${init.code}):\n${init.stdout}${init.stderr}`);
  }
  const port = await freePort();
  const proc = startProcess({
    name: 'mariadbd',
    command: mariadbd,
    args: mariaDbServerArgs(layout, port),
  });
  try {
    await waitForPort(port, '127.0.0.1', 60000);
  } catch (err) {
    await proc.stop('SIGKILL');
    await dir.remove();
    throw new Error(`mariadbd did not start: ${(err as Error).message}\n${proc.stderr()}`, { cause: err });
  }
  const sql = async (statements: string): Promise<string> => {
    const r = await runToExit({ name: 'mariadb client', command: client, args: ['--no-defaults', `--socket=${socket}`, '-uroot', '-N', '-B', '-e', statements] });
    if (r.code !== 0) throw new Error(`SQL failed: ${statements}\n${r.stderr}`);
    return r.stdout;
  };
  return {
    port,
    socket,
    process: proc,
    sql,
    stop: async () => {
      await proc.stop('SIGTERM', 15000);
      await dir.remove();
    },
  };
}
