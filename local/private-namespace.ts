import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { requireBinary } from './binaries.js';
import type { ChildSpec } from './supervisor.js';

/**
 * The demo's tools see a Toolforge of their own: host names that resolve to loopback and
 * `tools.<name>` accounts, through /etc/hosts and /etc/passwd bind-mounted in a private
 * mount namespace. The machine's files are never written.
 */
export interface Account {
  name: string;
  uid: number;
}

export type HostsMap = Record<string, string>;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1)$/;

export function hostsFileText(hosts: HostsMap): string {
  const lines = ['127.0.0.1 localhost', '::1 localhost ip6-localhost'];
  for (const [name, address] of Object.entries(hosts)) {
    if (!LOOPBACK.test(address)) throw new Error(`private hosts: ${name} -> ${address} is not a loopback address`);
    lines.push(`${address} ${name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** passwd(5) lines: root, nobody, and one account per tool whose group id is its uid. */
export const passwdLine = (a: Account): string => `${a.name}:x:${a.uid}:${a.uid}:${a.name}:/nonexistent:/bin/sh\n`;

export function passwdFileText(accounts: Account[]): string {
  return ['root:x:0:0:root:/root:/bin/sh\n', 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n', ...accounts.map(passwdLine)].join('');
}

export function groupFileText(accounts: Account[]): string {
  const lines = ['root:x:0:', 'nogroup:x:65534:'];
  for (const a of accounts) lines.push(`${a.name}:x:${a.uid}:`);
  return `${lines.join('\n')}\n`;
}

export interface PrivateNamespace {
  /** The passwd file every process of the namespace sees: an account appended is known at once. */
  passwdFile: string;
  /** Wraps a child so it runs with the private files, as `account` when given (root only). */
  wrap(spec: ChildSpec, account?: Account): ChildSpec;
}

/** Every mount made inside: the three files, and a tmpfs on /mnt for the demo's NFS dumps. */
const SCRIPT = [
  'set -e',
  'mount --bind "$1" /etc/hosts',
  'mount --bind "$2" /etc/passwd',
  'mount --bind "$3" /etc/group',
  '[ -z "$4" ] || { mount -t tmpfs -o size=4m tmpfs /mnt && cp -a "$4"/. /mnt/; }',
  'shift 4',
  'exec "$@"',
].join('\n');

export async function privateNamespace(dir: string, hosts: HostsMap, accounts: Account[], mntTree?: string): Promise<PrivateNamespace> {
  const unshare = requireBinary('unshare', 'Debian package util-linux');
  const files = { hosts: path.join(dir, 'hosts'), passwd: path.join(dir, 'passwd'), group: path.join(dir, 'group') };
  await writeFile(files.hosts, hostsFileText(hosts));
  await writeFile(files.passwd, passwdFileText(accounts));
  await writeFile(files.group, groupFileText(accounts));
  const root = process.getuid?.() === 0;
  // Without root, a user namespace lends the right to mount (where the kernel allows it).
  const unshareArgs = root ? ['--mount', '--propagation', 'private'] : ['--user', '--map-root-user', '--mount', '--propagation', 'private'];
  const setpriv = root ? requireBinary('setpriv', 'Debian package util-linux') : undefined;
  return {
    passwdFile: files.passwd,
    wrap(spec, account) {
      const asAccount =
        account !== undefined && setpriv !== undefined
          ? [setpriv, `--reuid=${account.uid}`, `--regid=${account.uid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs']
          : [];
      return {
        ...spec,
        command: unshare,
        args: [...unshareArgs, 'sh', '-c', SCRIPT, 'sh', files.hosts, files.passwd, files.group, mntTree ?? '', ...asAccount, spec.command, ...(spec.args ?? [])],
      };
    },
  };
}
