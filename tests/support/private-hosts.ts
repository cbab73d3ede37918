import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { requireBinary, requireRoot } from './binaries.js';
import type { HostsMap } from '../../local/private-namespace.js';
import { hostsFileText } from '../../local/private-namespace.js';
import type { ProcessSpec } from './processes.js';

/**
 * Runs a process in its own mount namespace with a private /etc/hosts, so Toolforge
 * names (tools.db.svc.wikimedia.cloud, en.wikipedia.org, …) resolve to loopback for
 * that process only. The machine's /etc/hosts is never touched. The hosts file is the one
 * `toolforge-tracing local` writes for its demo (local/private-namespace.ts).
 */
export { hostsFileText, type HostsMap } from '../../local/private-namespace.js';

/** Writes `<dir>/hosts` and returns a function wrapping a ProcessSpec to run under it. */
export async function privateHosts(dir: string, hosts: HostsMap): Promise<(spec: ProcessSpec) => ProcessSpec> {
  requireRoot('unshare --mount needs CAP_SYS_ADMIN to give the process its own /etc/hosts');
  const unshare = requireBinary('unshare', 'util-linux');
  const hostsFile = path.join(dir, 'hosts');
  await writeFile(hostsFile, hostsFileText(hosts));
  return (spec) => ({
    ...spec,
    command: unshare,
    args: [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      'mount --bind "$1" /etc/hosts && shift && exec "$@"',
      'sh',
      hostsFile,
      spec.command,
      ...(spec.args ?? []),
    ],
  });
}
