import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { requireBinary, requireRoot } from './binaries.js';
import { freePort, waitForPort } from './ports.js';
import { runToExit, startProcess, type ManagedProcess, type ProcessSpec } from './processes.js';
import { makeTempDir } from './temp-dir.js';

export interface PostgresServer {
  port: number;
  /** Directory of the server's unix socket. */
  socketDir: string;
  process: ManagedProcess;
  /** Runs SQL (one or more statements, as a script) as the superuser `postgres`; returns psql's unaligned output. */
  sql(statements: string): Promise<string>;
  stop(): Promise<void>;
}

/** PostgreSQL refuses to run as root; the server and initdb run as this user. */
const SERVER_USER = 'nobody';
const SERVER_GROUP = 'nogroup';
const PG_LIB = '/usr/lib/postgresql';

/** A program of the newest PostgreSQL installed by Debian's `postgresql` (its bin dir is not on PATH). */
function postgresBinary(name: string): string {
  let versions: string[] = [];
  try {
    versions = readdirSync(PG_LIB).filter((v) => /^\d+$/.test(v));
  } catch {
    // not installed: reported below
  }
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) throw new Error(`required binary "${name}" is not installed (Debian package: postgresql, in ${PG_LIB}/<version>/bin); run scripts/setup --test as root`);
  return path.join(PG_LIB, newest, 'bin', name);
}

/**
 * A real PostgreSQL server (Debian postgresql) on a free loopback port with its own data
 * directory in a temp dir, run as `nobody` through setpriv (so signals reach postgres
 * itself). Local socket connections are trusted (for `sql()`); TCP needs a password.
 */
export async function startPostgres(): Promise<PostgresServer> {
  requireRoot(`initdb and postgres run as ${SERVER_USER} on a private data directory`);
  const setpriv = requireBinary('setpriv', 'util-linux');
  const chown = requireBinary('chown', 'coreutils');
  const [initdb, postgres, psql] = ['initdb', 'postgres', 'psql'].map(postgresBinary) as [string, string, string];
  const asServerUser = (spec: ProcessSpec): ProcessSpec => ({
    ...spec,
    command: setpriv,
    args: [`--reuid=${SERVER_USER}`, `--regid=${SERVER_GROUP}`, '--clear-groups', '--', spec.command, ...(spec.args ?? [])],
    env: { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C', ...spec.env },
  });
  const dir = await makeTempDir('postgres');
  const datadir = path.join(dir.path, 'data');
  const fail = async (what: string, output: string): Promise<never> => {
    await dir.remove();
    throw new Error(`${what}\n${output}`);
  };
  const owned = await runToExit({ name: 'chown', command: chown, args: [`${SERVER_USER}:${SERVER_GROUP}`, dir.path] });
  if (owned.code !== 0) await fail(`chown of the postgres temp dir failed (exit ${owned.code})`, owned.stderr);
  const init = await runToExit(
    asServerUser({ name: 'initdb', command: initdb, args: ['-D', datadir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--no-sync', '-E', 'UTF8', '--locale=C'] }),
    120000,
  );
  if (init.code !== 0) await fail(`initdb failed (exit ${init.code}):`, init.stdout + init.stderr);
  const port = await freePort();
  const proc = startProcess(
    asServerUser({
      name: 'postgres',
      command: postgres,
      args: ['-D', datadir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir.path}`, '-c', 'fsync=off', '-c', 'shared_buffers=16MB', '-c', 'max_connections=20'],
    }),
  );
  try {
    await proc.waitForOutput(/database system is ready to accept connections/, 60000);
    await waitForPort(port, '127.0.0.1', 10000);
  } catch (err) {
    await proc.stop('SIGKILL');
    await fail(`postgres did not start: ${(err as Error).message}`, proc.stderr());
  }
  let scripts = 0;
  const sql = async (statements: string): Promise<string> => {
    const file = path.join(dir.path, `script-${++scripts}.sql`);
    await writeFile(file, statements);
    const r = await runToExit({ name: 'psql', command: psql, args: ['-h', dir.path, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-X', '-q', '-A', '-t', '-f', file] });
    if (r.code !== 0) throw new Error(`SQL failed: ${statements}\n${r.stderr}`);
    return r.stdout;
  };
  return {
    port,
    socketDir: dir.path,
    process: proc,
    sql,
    stop: async () => {
      // SIGINT: fast shutdown (SIGTERM would wait for clients to disconnect).
      await proc.stop('SIGINT', 15000);
      await dir.remove();
    },
  };
}
