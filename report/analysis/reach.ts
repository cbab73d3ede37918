/**
 * Who is reached from a node along calls, with the hop distance, in either direction:
 * dependents (every node with a path of calls to it: what would break if it went away) and
 * dependencies (every node it has a path of calls to: what it uses, directly and through
 * others). One breadth-first walk, run along inbound or outbound edges.
 * Pure over the graph (no I/O, no node: modules): the HTML map bundles this same module,
 * so the map and `report dependents` / `report dependencies` give the same answer for the
 * same data.
 */
import { bfsFromNode } from 'graphology-traversal';
import type { DependencyGraph } from '../graph.js';

export type Direction = 'dependents' | 'dependencies';

export interface Reached {
  name: string;
  /**
   * 1: calls the node directly (dependents) or is called by it directly (dependencies);
   * n: one hop further than a node at n - 1 hops.
   */
  hops: number;
  /**
   * Requests on the edges between this node and nodes one hop closer (the node itself for
   * hops = 1): for a dependent, how much it leans on the chain that reaches the node; for a
   * dependency, how much the chain from the node leans on it.
   */
  requests: number;
}

export interface ReachOptions {
  /** Follow callers of callers (or callees of callees); false: direct ones only (maxHops 1). */
  transitive: boolean;
  /** Stop after this many hops (only with transitive); default: no limit. */
  maxHops?: number;
}

export function reachOf(graph: DependencyGraph, node: string, direction: Direction, options: ReachOptions): Reached[] {
  if (!graph.hasNode(node)) throw new Error(`no node ${JSON.stringify(node)} in the graph`);
  const maxHops = options.transitive ? (options.maxHops ?? Number.POSITIVE_INFINITY) : 1;
  const towardCallers = direction === 'dependents';
  const hopsOf = new Map<string, number>();
  // Breadth first: the first time a node is reached is its shortest distance.
  bfsFromNode(
    graph,
    node,
    (name, _attributes, depth) => {
      hopsOf.set(name, depth);
      return depth >= maxHops;
    },
    { mode: towardCallers ? 'inbound' : 'outbound' },
  );
  hopsOf.delete(node);

  const reached: Reached[] = [];
  for (const [name, hops] of hopsOf) {
    let requests = 0;
    // The edges back toward the node: a dependent's calls out, a dependency's calls in.
    const add = (_edge: string, attributes: { requests: number }, source: string, target: string) => {
      const closer = towardCallers ? target : source;
      if ((closer === node ? 0 : hopsOf.get(closer)) === hops - 1) requests += attributes.requests;
    };
    if (towardCallers) graph.forEachOutEdge(name, add);
    else graph.forEachInEdge(name, add);
    reached.push({ name, hops, requests });
  }
  return reached.sort(byHopsThenRequests);
}

export const dependentsOf = (graph: DependencyGraph, node: string, options: ReachOptions): Reached[] => reachOf(graph, node, 'dependents', options);

export const dependenciesOf = (graph: DependencyGraph, node: string, options: ReachOptions): Reached[] => reachOf(graph, node, 'dependencies', options);

function byHopsThenRequests(a: Reached, b: Reached): number {
  return a.hops - b.hops || b.requests - a.requests || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
