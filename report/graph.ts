/**
 * DependencyData as a graphology graph: one node per name, one directed edge per
 * client -> server pair, keyed so an edge can be found from its two ends. Every analysis
 * and the HTML map work on this graph, so they agree on what is connected to what.
 */
import { DirectedGraph } from 'graphology';
import type { DependencyData, DependencyEdge, NodeKind } from './model.js';

export interface NodeAttributes {
  kind: NodeKind;
  endUserRequests: number;
}

export type EdgeAttributes = DependencyEdge;

export type DependencyGraph = DirectedGraph<NodeAttributes, EdgeAttributes>;

/** The key of the edge from `client` to `server` (node names never contain a newline). */
export function edgeKey(client: string, server: string): string {
  return `${client}\n${server}`;
}

/**
 * Nodes named by an edge but missing from `data.nodes` are added as kind 'external':
 * a graph never refers to a node it does not hold.
 */
export function buildGraph(data: DependencyData): DependencyGraph {
  const graph: DependencyGraph = new DirectedGraph({ allowSelfLoops: true });
  for (const node of data.nodes) {
    graph.mergeNode(node.name, { kind: node.kind, endUserRequests: node.endUserRequests ?? 0 });
  }
  for (const edge of data.edges) {
    for (const end of [edge.client, edge.server]) {
      if (!graph.hasNode(end)) graph.addNode(end, { kind: 'external', endUserRequests: 0 });
    }
    graph.addDirectedEdgeWithKey(edgeKey(edge.client, edge.server), edge.client, edge.server, edge);
  }
  return graph;
}
