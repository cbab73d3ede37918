/**
 * `report groups`: what must move together. Tools in a cycle (a strongly connected
 * component) always share a group; then each connected cluster of the tool-to-tool graph is
 * a group; a cluster larger than `maxGroupSize` is split by Louvain community detection on
 * the condensed graph (so a cycle is never cut), and a community still larger is split
 * again, until Louvain finds no finer split (a cycle or a tight cluster can stay above the
 * limit). Seeded, so the same data gives the same groups. Shared services are not in the tool graph, so they glue nothing together.
 */
import { UndirectedGraph } from 'graphology';
import louvainModule from 'graphology-communities-louvain';
import { connectedComponents } from 'graphology-components';
import type { DependencyGraph } from '../graph.js';
import { compare } from '../merge.js';
import { condense, toolGraph, type Condensation, type ToolGraph } from './tool-graph.js';

// CommonJS (`module.exports = louvain`) typed as an ES default export: the import is the function itself.
const louvain = louvainModule as unknown as typeof louvainModule.default;

export interface Group {
  id: number;
  tools: string[];
  /** The cycles inside the group (tools that call each other, directly or around a loop). */
  cycles: string[][];
  /** True when this group is one community of a cluster larger than the limit. */
  split: boolean;
  /** Calls between tools of this group. */
  internalRequests: number;
  /** Calls between this group and other groups (only a split cluster has any). */
  crossingRequests: number;
  /** Shared services and external nodes the group's tools use, most requested first. */
  uses: string[];
}

export interface GroupsOptions {
  maxGroupSize: number;
  seed: number;
}

export interface GroupsReport {
  maxGroupSize: number;
  seed: number;
  groups: Group[];
  /** Tools with no call to or from another tool in the window. */
  standalone: string[];
}

export function groupsReport(graph: DependencyGraph, options: GroupsOptions): GroupsReport {
  const tools = toolGraph(graph);
  const condensation = condense(tools);
  const sets: Array<{ tools: string[]; split: boolean }> = [];
  for (const cluster of connectedComponents(tools)) {
    if (cluster.length <= options.maxGroupSize) sets.push({ tools: cluster, split: false });
    else for (const community of split(cluster, tools, condensation, options)) sets.push({ tools: community, split: true });
  }

  const groupOf = new Map<string, number>();
  const ordered = sets
    .map((s) => ({ ...s, tools: s.tools.sort(compare) }))
    .sort((a, b) => b.tools.length - a.tools.length || compare(a.tools[0]!, b.tools[0]!));
  const standalone = ordered.filter((s) => s.tools.length === 1).map((s) => s.tools[0]!);
  const grouped = ordered.filter((s) => s.tools.length > 1);
  grouped.forEach((s, i) => s.tools.forEach((tool) => groupOf.set(tool, i)));

  const groups: Group[] = grouped.map((s, i) => ({ id: i + 1, tools: s.tools, cycles: [], split: s.split, internalRequests: 0, crossingRequests: 0, uses: [] }));
  for (const members of condensation.members) {
    if (members.length > 1) groups[groupOf.get(members[0]!)!]!.cycles.push(members);
  }
  tools.forEachEdge((_edge, e, client, server) => {
    const from = groupOf.get(client)!;
    const to = groupOf.get(server)!;
    if (from === to) groups[from]!.internalRequests += e.requests;
    else {
      if (from !== undefined) groups[from]!.crossingRequests += e.requests;
      if (to !== undefined) groups[to]!.crossingRequests += e.requests;
    }
  });
  groups.forEach((group) => (group.uses = servicesUsed(graph, group.tools)));
  return { maxGroupSize: options.maxGroupSize, seed: options.seed, groups, standalone };
}

/** Communities of a cluster, and communities of those still above the limit, until Louvain finds no finer split. */
function split(cluster: string[], tools: ToolGraph, condensation: Condensation, options: GroupsOptions): string[][] {
  const parts = communities(cluster, tools, condensation, options.seed);
  if (parts.length === 1) return parts;
  return parts.flatMap((part) => (part.length > options.maxGroupSize ? split(part, tools, condensation, options) : [part]));
}

/** Louvain on the cluster's components (one node per cycle), weighted by requests in either direction. */
function communities(cluster: string[], tools: ToolGraph, { members, componentOf }: Condensation, seed: number): string[][] {
  const inCluster = new Set(cluster);
  const condensed = new UndirectedGraph<Record<string, never>, { weight: number }>();
  const components = [...new Set(cluster.map((tool) => componentOf.get(tool)!))].sort((a, b) => a - b);
  for (const c of components) condensed.addNode(String(c));
  tools.forEachEdge((_edge, e, client, server) => {
    if (!inCluster.has(client)) return;
    const from = String(componentOf.get(client));
    const to = String(componentOf.get(server));
    if (from !== to) condensed.updateEdge(from, to, (existing) => ({ weight: (existing?.weight ?? 0) + e.requests }));
  });
  const assignment = louvain(condensed, { getEdgeWeight: 'weight', rng: seededRandom(seed) });
  const byCommunity = new Map<number, string[]>();
  for (const c of components) {
    const community = assignment[String(c)]!;
    const list = byCommunity.get(community) ?? [];
    list.push(...members[c]!);
    byCommunity.set(community, list);
  }
  return [...byCommunity.values()];
}

function servicesUsed(graph: DependencyGraph, members: string[]): string[] {
  const requests = new Map<string, number>();
  for (const tool of members) {
    graph.forEachOutEdge(tool, (_edge, e, _client, server) => {
      if (graph.getNodeAttribute(server, 'kind') !== 'tool') requests.set(server, (requests.get(server) ?? 0) + e.requests);
    });
  }
  return [...requests].sort((a, b) => b[1] - a[1] || compare(a[0], b[0])).map(([name]) => name);
}

/** mulberry32: a small, well-known seeded generator; Louvain only needs reproducible tie-breaking. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
