import { posix } from 'node:path';

import type { Profile } from './profiles.js';
import { NODES } from './reserved-nodes.js';
import { isValidToolName } from './tool-name.js';
import type { Destination } from './types.js';

const SUBTREE = /^[A-Za-z0-9._-]{1,64}$/;
const DUMPS_MOUNT = /^dumps-([a-z0-9.-]{1,253})$/;
const MAX_PATH = 4096;

/**
 * Names the dependency behind a file a process opens on the shared NFS volumes (for the agent).
 * Another tool's home `/data/project/<tool>` is that tool's node: the operator question is
 * "who depends on tool X's files", and an edge to X answers it in the same graph as calls to X.
 * Undefined for paths that are not a shared dependency (the process's own files, /tmp, ...).
 */
export function classifyPath(path: string, profile: Profile): Destination | undefined {
  if (typeof path !== 'string' || !path.startsWith('/') || path.length > MAX_PATH || path.includes('\0')) return undefined;
  const segments = posix.normalize(path).split('/').filter((segment) => segment !== '');
  const [first, second, third] = segments;
  const nfs = profile.platform === 'toolforge' ? NODES.nfs : NODES.cloudVpsNfs;

  if (first === 'data' && second === 'project') {
    if (third === undefined) return { node: nfs, kind: 'service', detail: 'project' };
    if (profile.platform === 'toolforge' && isValidToolName(third)) return { node: third, kind: 'tool', detail: 'nfs' };
    return { node: nfs, kind: 'service', detail: 'project' };
  }
  if (first === 'data' && second === 'scratch') return { node: nfs, kind: 'service', detail: 'scratch' };
  // User homes are named by kind only: a user name is personal data.
  if (first === 'home') return { node: nfs, kind: 'service', detail: 'home' };
  if (first === 'public' && second === 'dumps') return dumps(undefined, segments.slice(2));
  if (first === 'mnt' && second === 'nfs' && third !== undefined) {
    const server = DUMPS_MOUNT.exec(third)?.[1];
    if (server !== undefined) return dumps(server, segments.slice(3));
  }
  return undefined;
}

/** Detail = `[<server>:]<subtree>`: `public/<wiki>` for the per-wiki dumps, else the top directory. */
function dumps(server: string | undefined, below: string[]): Destination {
  const [top, next] = below;
  let subtree: string | undefined;
  if (top !== undefined && SUBTREE.test(top)) {
    subtree = top === 'public' && next !== undefined && SUBTREE.test(next) ? `public/${next}` : top;
  }
  const detail = server === undefined ? subtree : subtree === undefined ? server : `${server}:${subtree}`;
  return detail === undefined ? { node: NODES.dumps, kind: 'service' } : { node: NODES.dumps, kind: 'service', detail };
}
