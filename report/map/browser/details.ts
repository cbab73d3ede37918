/**
 * What the hover card says about a node: traffic in and out, failures, requests from end
 * users, and the detail (which wiki, database or host) summed over its inbound edges.
 * Pure: it reads the report's graph, not the renderer.
 */
import type { DependencyGraph } from '../../graph.js';
import type { DependencyEdge, EdgeSource, NodeKind } from '../../model.js';

export interface NodeSummary {
  name: string;
  kind: NodeKind;
  endUserRequests: number;
  usedBy: number;
  requestsIn: number;
  failuresIn: number;
  uses: number;
  requestsOut: number;
  failuresOut: number;
  /** Inbound detail summed over clients (for a shared service: which wikis, databases), largest first. */
  detailsIn: Array<{ detail: string; requests: number }>;
  /** What it calls, largest first, each with its own details. */
  topOut: Array<{ server: string; requests: number; failures: number; details: string[] }>;
}

const byRequests = <T extends { requests: number }>(a: T, b: T) => b.requests - a.requests;

export function summarizeNode(graph: DependencyGraph, name: string, limit = 8): NodeSummary {
  const inbound: DependencyEdge[] = graph.mapInEdges(name, (_edge, attributes) => attributes);
  const outbound: DependencyEdge[] = graph.mapOutEdges(name, (_edge, attributes) => attributes);
  const detailsIn = new Map<string, number>();
  for (const edge of inbound) for (const d of edge.details) if (d.detail !== '') detailsIn.set(d.detail, (detailsIn.get(d.detail) ?? 0) + d.requests);
  const sum = (edges: DependencyEdge[], key: 'requests' | 'failures') => edges.reduce((s, e) => s + e[key], 0);
  const attributes = graph.getNodeAttributes(name);
  return {
    name,
    kind: attributes.kind,
    endUserRequests: attributes.endUserRequests,
    usedBy: inbound.length,
    requestsIn: sum(inbound, 'requests'),
    failuresIn: sum(inbound, 'failures'),
    uses: outbound.length,
    requestsOut: sum(outbound, 'requests'),
    failuresOut: sum(outbound, 'failures'),
    detailsIn: [...detailsIn].map(([detail, requests]) => ({ detail, requests })).sort(byRequests).slice(0, limit),
    topOut: [...outbound]
      .sort(byRequests)
      .slice(0, limit)
      .map((e) => ({ server: e.server, requests: e.requests, failures: e.failures, details: e.details.map((d) => d.detail).filter((d) => d !== '') })),
  };
}

export const SOURCE_TEXT: Record<EdgeSource, string> = {
  preload: 'seen by the preload (spans)',
  agent: 'seen by the eBPF agent',
  both: 'seen by the preload and the agent',
};
