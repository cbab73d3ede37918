import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { requireBinary, requireRoot } from './binaries.js';
import type { ProcessSpec } from './processes.js';

/**
 * Runs processes as Toolforge tool accounts (`tools.<name>`, each its own uid) known only
 * inside a private mount namespace: /etc/passwd and /etc/group are bind-mounted from a
 * temp dir, and so are stand-ins for the shared volumes (`/data/project`, `/public/dumps`).
 * The machine's passwd and group are never written; the mount points of the volumes are
 * created empty when the machine has none. Compose with private-hosts.ts for /etc/hosts.
 */
export interface ToolAccount {
  tool: string;
  uid: number;
}

export const accountName = (account: ToolAccount): string => `tools.${account.tool}`;

export function passwdText(accounts: ToolAccount[]): string {
  const lines = ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'];
  for (const a of accounts) lines.push(`${accountName(a)}:x:${a.uid}:${a.uid}:${accountName(a)}:/data/project/${a.tool}:/bin/sh`);
  return `${lines.join('\n')}\n`;
}

export function groupText(accounts: ToolAccount[]): string {
  return `${['root:x:0:', 'nogroup:x:65534:', ...accounts.map((a) => `${accountName(a)}:x:${a.uid}:`)].join('\n')}\n`;
}

export interface ToolAccounts {
  /** Wraps a spec to run with the private files, as `account` when given (else as root). */
  wrap(spec: ProcessSpec, account?: ToolAccount): ProcessSpec;
}

/** `volumes`: mount point (e.g. /data/project) -> directory bind-mounted there. */
export async function toolAccounts(dir: string, accounts: ToolAccount[], volumes: Record<string, string>): Promise<ToolAccounts> {
  requireRoot('unshare --mount and setpriv need root to give processes their own accounts');
  const unshare = requireBinary('unshare', 'util-linux');
  const setpriv = requireBinary('setpriv', 'util-linux');
  const passwd = path.join(dir, 'passwd');
  const group = path.join(dir, 'group');
  await writeFile(passwd, passwdText(accounts));
  await writeFile(group, groupText(accounts));
  const binds: string[] = [];
  for (const [target, source] of Object.entries(volumes)) {
    await mkdir(target, { recursive: true });
    binds.push(target, source);
  }
  const script = [
    'set -e',
    'mount --bind "$1" /etc/passwd',
    'mount --bind "$2" /etc/group',
    'n="$3"; shift 3',
    'while [ "$n" -gt 0 ]; do mount --bind "$2" "$1"; shift 2; n=$((n - 1)); done',
    'exec "$@"',
  ].join('\n');
  return {
    wrap(spec, account) {
      const as = account === undefined ? [] : [setpriv, `--reuid=${account.uid}`, `--regid=${account.uid}`, '--clear-groups'];
      return {
        ...spec,
        command: unshare,
        args: ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', passwd, group, String(binds.length / 2), ...binds, ...as, spec.command, ...(spec.args ?? [])],
      };
    },
  };
}
