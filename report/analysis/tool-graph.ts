/**
 * The tool-to-tool graph and its condensation. Groups and hubs are judged on tools alone:
 * counted through shared services every tool would depend on every other (the Wiki Replicas
 * reach nearly the whole fleet), so services never connect two tools here.
 */
import { DirectedGraph } from 'graphology';
import { stronglyConnectedComponents } from 'graphology-components';
import type { DependencyGraph } from '../graph.js';
import { compare } from '../merge.js';

export interface ToolEdge {
  requests: number;
}

export type ToolGraph = DirectedGraph<Record<string, never>, ToolEdge>;

/** Tools only (sorted, so every later step is deterministic), and the calls between two different tools. */
export function toolGraph(graph: DependencyGraph): ToolGraph {
  const tools = new DirectedGraph<Record<string, never>, ToolEdge>();
  for (const node of graph.filterNodes((_n, a) => a.kind === 'tool').sort(compare)) tools.addNode(node);
  graph.forEachEdge((_edge, e, client, server) => {
    if (client !== server && tools.hasNode(client) && tools.hasNode(server)) tools.addDirectedEdge(client, server, { requests: e.requests });
  });
  return tools;
}

/** Strongly connected components as the nodes of a DAG: members must move together. */
export interface Condensation {
  /** Members of each component, sorted; index = the component's node key in `dag`. */
  members: string[][];
  componentOf: Map<string, number>;
  /** Component -> component when a member of one calls a member of the other; requests summed. */
  dag: DirectedGraph<Record<string, never>, ToolEdge>;
}

export function condense(tools: ToolGraph): Condensation {
  const members = stronglyConnectedComponents(tools)
    .map((c) => c.sort(compare))
    .sort((a, b) => compare(a[0]!, b[0]!));
  const componentOf = new Map<string, number>();
  members.forEach((c, i) => c.forEach((tool) => componentOf.set(tool, i)));
  const dag = new DirectedGraph<Record<string, never>, ToolEdge>();
  members.forEach((_c, i) => dag.addNode(String(i)));
  tools.forEachEdge((_edge, e, client, server) => {
    const from = String(componentOf.get(client));
    const to = String(componentOf.get(server));
    if (from === to) return;
    dag.updateDirectedEdge(from, to, (existing) => ({ requests: (existing?.requests ?? 0) + e.requests }));
  });
  return { members, componentOf, dag };
}
