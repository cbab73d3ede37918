import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireBinary, SETUP_HINT } from '../binaries.js';
import { freePort, waitForPort } from '../ports.js';
import type { Supervisor } from '../supervisor.js';

const run = promisify(execFile);

/** Where one private MariaDB keeps its files. */
export interface MariaDbLayout {
  datadir: string;
  socket: string;
  pidFile: string;
}

export const mariaDbLayout = (dir: string): MariaDbLayout => ({
  datadir: path.join(dir, 'data'),
  socket: path.join(dir, 'mysqld.sock'),
  pidFile: path.join(dir, 'mysqld.pid'),
});

const asUser = (): string[] => (process.getuid?.() === 0 ? ['--user=root'] : []);

/** mariadb-install-db arguments: a fresh data directory, root by socket only, no test database. */
export function mariaDbInstallArgs(layout: MariaDbLayout): string[] {
  return ['--no-defaults', `--datadir=${layout.datadir}`, ...asUser(), '--auth-root-authentication-method=socket', '--skip-test-db'];
}

/** mariadbd arguments: loopback only (one or more addresses), small, no binary log, no name resolution. */
export function mariaDbServerArgs(layout: MariaDbLayout, port: number, addresses: readonly string[] = ['127.0.0.1']): string[] {
  return [
    '--no-defaults',
    `--datadir=${layout.datadir}`,
    `--socket=${layout.socket}`,
    `--port=${port}`,
    `--bind-address=${addresses.join(',')}`,
    ...asUser(),
    `--pid-file=${layout.pidFile}`,
    '--skip-log-bin',
    '--innodb-buffer-pool-size=16M',
    '--skip-name-resolve',
  ];
}

export interface LocalMariaDb {
  port: number;
  sql(statements: string): Promise<string>;
}

/** A private MariaDB (Debian mariadb-server) under `dir`, on `addresses` (loopback), supervised. */
export async function startMariaDb(supervisor: Supervisor, dir: string, addresses: readonly string[]): Promise<LocalMariaDb> {
  const mariadbd = requireBinary('mariadbd', `Debian package mariadb-server; ${SETUP_HINT}`);
  const installDb = requireBinary('mariadb-install-db', `Debian package mariadb-server; ${SETUP_HINT}`);
  const client = requireBinary('mariadb', `Debian package mariadb-client; ${SETUP_HINT}`);
  const layout = mariaDbLayout(dir);
  await mkdir(dir, { recursive: true });
  await run(installDb, mariaDbInstallArgs(layout)).catch((error: Error & { stderr?: string }) => {
    throw new Error(`mariadb-install-db failed: ${error.stderr ?? error.message}`);
  });
  const port = await freePort();
  const server = supervisor.start({ name: 'mariadb', command: mariadbd, args: mariaDbServerArgs(layout, port, addresses) });
  await Promise.race([waitForPort(port, addresses[0], 60_000), server.exited.then(() => Promise.reject(new Error(`mariadbd exited: ${server.output()}`)))]);
  const sql = async (statements: string): Promise<string> => {
    const { stdout } = await run(client, ['--no-defaults', `--socket=${layout.socket}`, '-uroot', '-N', '-B', '-e', statements]);
    return stdout;
  };
  return { port, sql };
}
