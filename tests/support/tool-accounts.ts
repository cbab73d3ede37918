import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { requireBinary, requireRoot } from './binaries.js';
import type { ProcessSpec } from './processes.js';

/**
 * Runs processes as Toolforge tool accounts (`tools.<name>`, each its own uid) known only
 * inside a private mount namespace: /etc/passwd and /etc/group are bind-mounted from a
 * temp dir, and so are stand-ins for the shared volumes (`/data/project`, `/public/dumps`).
 * Nothing is written to the machine's file system: the namespace gets a new root, a tmpfs
 * holding the machine's top-level directories bind-mounted (recursively) plus the volumes'
 * top-level directories of its own (a machine's /data, if any, is hidden there), and
 * pivots into it. Compose with private-hosts.ts for /etc/hosts.
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
  const pivotRoot = requireBinary('pivot_root', 'util-linux');
  const passwd = path.join(dir, 'passwd');
  const group = path.join(dir, 'group');
  await writeFile(passwd, passwdText(accounts));
  await writeFile(group, groupText(accounts));
  const binds: string[] = [];
  for (const [target, source] of Object.entries(volumes)) {
    if (!/^\/[A-Za-z0-9._/-]+$/.test(target) || target.split('/').includes('..')) throw new Error(`volume mount point ${JSON.stringify(target)}: an absolute path of plain names`);
    binds.push(target, source);
  }
  // The new root's mount point (each namespace mounts its own tmpfs on it).
  const root = path.join(dir, 'private-root');
  await mkdir(root, { recursive: true });
  // A volume whose mount point the machine lacks gets its top-level directory in the tmpfs
  // (hiding the machine's, if that exists); one the machine has is mounted over as it is.
  const own = [...new Set(Object.keys(volumes).filter((target) => !existsSync(target)).map((target) => target.split('/')[1]!))].join(' ');
  const script = [
    'set -e',
    'here="$(pwd)"',
    'pivot_root="$1"; root="$2"; own=" $3 "; shift 3',
    'mount -t tmpfs -o mode=0755 tmpfs "$root"',
    'for entry in /*; do',
    '  name="${entry#/}"',
    '  case "$own" in *" $name "*) continue ;; esac',
    '  if [ -L "$entry" ]; then ln -s "$(readlink "$entry")" "$root/$name"',
    '  elif [ -d "$entry" ]; then mkdir "$root/$name"; mount --rbind "$entry" "$root/$name"',
    '  fi',
    'done',
    'n="$1"; shift',
    'while [ "$n" -gt 0 ]; do mkdir -p "$root$1"; mount --bind "$2" "$root$1"; shift 2; n=$((n - 1)); done',
    'mkdir "$root/.old-root"',
    'cd "$root"',
    '"$pivot_root" . .old-root',
    'umount -l /.old-root',
    'rmdir /.old-root',
    'cd "$here" 2>/dev/null || cd /',
    'mount --bind "$1" /etc/passwd',
    'mount --bind "$2" /etc/group',
    'shift 2',
    'exec "$@"',
  ].join('\n');
  return {
    wrap(spec, account) {
      const as = account === undefined ? [] : [setpriv, `--reuid=${account.uid}`, `--regid=${account.uid}`, '--clear-groups'];
      return {
        ...spec,
        command: unshare,
        args: ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', pivotRoot, root, own, String(binds.length / 2), ...binds, passwd, group, ...as, spec.command, ...(spec.args ?? [])],
      };
    },
  };
}
