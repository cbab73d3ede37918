import { matchExtraRules } from './extra-rule-index.js';
import { parseHost, type ParsedHost } from './host.js';
import { matchHostRules } from './host-rules.js';
import { ipScope } from './ip-ranges.js';
import type { Profile } from './profiles.js';
import { NODES } from './reserved-nodes.js';
import { clusterService } from './toolforge-rules.js';
import type { Destination, DestinationTarget } from './types.js';

const UNKNOWN: Destination = Object.freeze({ node: NODES.unknown, kind: 'external' });

/**
 * Names the destination of an outgoing call: extra rules, then IP literals, then the profile's
 * built-in rules, then bare and short cluster names, then the internet. Total: never throws.
 */
export function classifyDestination(target: DestinationTarget, profile: Profile): Destination {
  try {
    if (target === null || typeof target !== 'object') return { ...UNKNOWN };
    const host = parseHost(target.host);
    if (!host) return unknownHost(target);
    return (
      matchExtraRules(profile.extraRuleIndex, host, target) ??
      (host.ip !== undefined ? ipLiteral(host) : undefined) ??
      matchHostRules(profile.hostRules, { host, target }) ??
      unmatched(host, profile)
    );
  } catch {
    // A hostile target (throwing getters) must not reach the app.
    return { ...UNKNOWN };
  }
}

const DB_SYSTEM = /^[a-z0-9._-]{1,32}$/;

/** No usable host (a socket path, an embedded database): the database system, if any, is the only detail. */
function unknownHost(target: DestinationTarget): Destination {
  const system = target.dbSystem;
  return typeof system === 'string' && DB_SYSTEM.test(system) ? { ...UNKNOWN, detail: system } : { ...UNKNOWN };
}

function ipLiteral(host: ParsedHost): Destination {
  switch (ipScope(host.ip!, host.ipVersion!)) {
    case 'loopback':
      return { node: NODES.loopback, kind: 'external' };
    case 'private':
      return { node: NODES.privateIp, kind: 'external', detail: host.name };
    case 'public':
      return { node: NODES.publicIp, kind: 'external', detail: host.name };
  }
}

function unmatched(host: ParsedHost, profile: Profile): Destination {
  const name = host.name;
  if (name === 'localhost' || name.endsWith('.localhost')) return { node: NODES.loopback, kind: 'external' };
  const dot = name.indexOf('.');
  const onKubernetes = profile.platform === 'toolforge';
  if (dot < 0) {
    if (onKubernetes && name === 'kubernetes') return { node: NODES.kubernetesApi, kind: 'service' };
    // The resolver's search path decides what a bare name is: the caller's own namespace or VM network.
    return { node: NODES.unqualified, kind: 'external', detail: name };
  }
  if (onKubernetes && name.indexOf('.', dot + 1) < 0) {
    const found = clusterService(name.slice(0, dot), name.slice(dot + 1));
    if (found && found.kind === 'tool') return found;
  }
  // One node for the whole internet keeps the graph bounded; the host (never a path or query) says where.
  return { node: NODES.internet, kind: 'external', detail: name };
}
