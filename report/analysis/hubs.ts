/**
 * `report hubs`: tools ranked by how many tools depend on them, directly or through others,
 * flagged when few end users call them ("looks unused, powers dozens"). Counted on the
 * condensed tool graph: in topological order each component's set of transitive callers is
 * the union of its callers' sets, kept as bitsets, so all tools are counted in one pass
 * instead of one traversal per tool.
 */
import { forEachNodeInTopologicalOrder } from 'graphology-dag';
import type { DependencyGraph } from '../graph.js';
import { compare } from '../merge.js';
import { condense, toolGraph } from './tool-graph.js';

export interface Hub {
  name: string;
  /** Tools that call it, or call a tool that does, and so on. */
  transitiveDependents: number;
  /** Tools that call it themselves. */
  directDependents: number;
  /** Requests from those direct callers. */
  toolRequests: number;
  endUserRequests: number;
  /** Fewer end-user requests per day than the threshold: it looks unused. */
  quiet: boolean;
}

export interface HubsOptions {
  /** End-user requests per day below which a hub is flagged quiet. */
  quietBelowPerDay: number;
  windowDays: number;
}

export interface HubsReport {
  quietBelowPerDay: number;
  hubs: Hub[];
}

export function hubsReport(graph: DependencyGraph, options: HubsOptions): HubsReport {
  const tools = toolGraph(graph);
  const { members, componentOf, dag } = condense(tools);
  const index = new Map<string, number>();
  tools.forEachNode((tool) => index.set(tool, index.size));
  const words = Math.ceil(index.size / 32);
  const callers: Uint32Array[] = members.map(() => new Uint32Array(words));
  const ownBits: Uint32Array[] = members.map((c) => {
    const bits = new Uint32Array(words);
    for (const tool of c) setBit(bits, index.get(tool)!);
    return bits;
  });

  // Callers come before what they call in topological order (edges go client -> server).
  forEachNodeInTopologicalOrder(dag, (node) => {
    const c = Number(node);
    const mine = callers[c]!;
    dag.forEachOutNeighbor(node, (server) => {
      const theirs = callers[Number(server)]!;
      const own = ownBits[c]!;
      for (let w = 0; w < words; w++) theirs[w]! |= mine[w]! | own[w]!;
    });
  });

  const hubs: Hub[] = [];
  tools.forEachNode((tool) => {
    const c = componentOf.get(tool)!;
    const transitiveDependents = popcount(callers[c]!) + members[c]!.length - 1;
    if (transitiveDependents === 0) return;
    let toolRequests = 0;
    tools.forEachInEdge(tool, (_edge, e) => (toolRequests += e.requests));
    const endUserRequests = graph.getNodeAttribute(tool, 'endUserRequests');
    hubs.push({
      name: tool,
      transitiveDependents,
      directDependents: tools.inDegree(tool),
      toolRequests,
      endUserRequests,
      quiet: endUserRequests < options.quietBelowPerDay * options.windowDays,
    });
  });
  hubs.sort((a, b) => b.transitiveDependents - a.transitiveDependents || b.directDependents - a.directDependents || compare(a.name, b.name));
  return { quietBelowPerDay: options.quietBelowPerDay, hubs };
}

function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! |= 1 << (i & 31);
}

function popcount(bits: Uint32Array): number {
  let n = 0;
  for (let v of bits) {
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return n;
}
