import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { requireBinary, requireRoot } from './binaries.js';
import { hostsFileText, type HostsMap } from './private-hosts.js';
import type { ProcessSpec } from './processes.js';

/**
 * Runs a process as if it were in a pod: in its own mount namespace, the in-cluster
 * service-account files (/var/run/secrets/kubernetes.io/serviceaccount: token, ca.crt,
 * namespace) are the test's, and KUBERNETES_SERVICE_HOST/PORT name the test API server, so
 * client-go's in-cluster config (the collector's `auth_type: serviceAccount`) talks to
 * it. /etc/hosts is private too (loopback addresses only). Nothing on the machine changes:
 * /run is a fresh tmpfs inside the namespace only.
 */
export interface InClusterIdentity {
  /** https://127.0.0.1:<port> */
  server: string;
  token: string;
  ca: string;
  namespace: string;
  hosts?: HostsMap;
}

export async function inCluster(dir: string, identity: InClusterIdentity): Promise<(spec: ProcessSpec) => ProcessSpec> {
  requireRoot('unshare --mount needs CAP_SYS_ADMIN to give the process its own service-account files and /etc/hosts');
  const unshare = requireBinary('unshare', 'util-linux');
  const accountDir = path.join(dir, 'serviceaccount');
  await mkdir(accountDir, { recursive: true });
  await writeFile(path.join(accountDir, 'token'), identity.token, { mode: 0o600 });
  await writeFile(path.join(accountDir, 'ca.crt'), identity.ca);
  await writeFile(path.join(accountDir, 'namespace'), identity.namespace);
  const hostsFile = path.join(dir, 'hosts');
  await writeFile(hostsFile, hostsFileText(identity.hosts ?? {}));
  const { hostname, port } = new URL(identity.server);
  const script = [
    'mount --bind "$1" /etc/hosts',
    // /var/run is /run on Debian: a private tmpfs there holds the mount point.
    'mount -t tmpfs -o mode=0755 tmpfs /run',
    'mkdir -p /run/secrets/kubernetes.io/serviceaccount',
    'mount --bind "$2" /run/secrets/kubernetes.io/serviceaccount',
    'shift 2',
    'exec "$@"',
  ].join(' && ');
  return (spec) => ({
    ...spec,
    env: { ...(spec.env ?? process.env), KUBERNETES_SERVICE_HOST: hostname, KUBERNETES_SERVICE_PORT: port },
    command: unshare,
    args: ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', hostsFile, accountDir, spec.command, ...(spec.args ?? [])],
  });
}
