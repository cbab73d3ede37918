import type { Destination } from './types.js';

/**
 * Span attribute names every part of toolforge-tracing uses for a destination.
 * `peer.service` is what the servicegraph connector reads to name a virtual node.
 */
export const ATTR_PEER_SERVICE = 'peer.service';
export const ATTR_DEPENDENCY_DETAIL = 'toolforge.dependency.detail';
export const ATTR_DEPENDENCY_KIND = 'toolforge.dependency.kind';
/** `false` on spans of traces the head sampler dropped (exported slim for the graph, dropped before Tempo). */
export const ATTR_SAMPLED = 'toolforge.sampled';

/** The attributes a client span carries for its destination. */
export function destinationAttributes(destination: Destination): Record<string, string> {
  const attributes: Record<string, string> = {
    [ATTR_PEER_SERVICE]: destination.node,
    [ATTR_DEPENDENCY_KIND]: destination.kind,
  };
  if (destination.detail !== undefined) attributes[ATTR_DEPENDENCY_DETAIL] = destination.detail;
  return attributes;
}
