/**
 * Who depends on a node: every node with a path of calls to it, with the hop distance.
 * Pure over the graph (no I/O, no node: modules): the HTML map bundles this same module,
 * so the map and `report dependents` give the same answer for the same data.
 */
import { bfsFromNode } from 'graphology-traversal';
import type { DependencyGraph } from '../graph.js';

export interface Dependent {
  name: string;
  /** 1: calls the node directly; n: calls a dependent at n - 1 hops. */
  hops: number;
  /**
   * Requests on this dependent's edges to nodes one hop closer (the node itself for
   * hops = 1): how much it leans on the chain that reaches the node.
   */
  requests: number;
}

export interface DependentsOptions {
  /** Follow callers of callers; false: direct callers only (maxHops 1). */
  transitive: boolean;
  /** Stop after this many hops (only with transitive); default: no limit. */
  maxHops?: number;
}

export function dependentsOf(graph: DependencyGraph, node: string, options: DependentsOptions): Dependent[] {
  if (!graph.hasNode(node)) throw new Error(`no node ${JSON.stringify(node)} in the graph`);
  const maxHops = options.transitive ? (options.maxHops ?? Number.POSITIVE_INFINITY) : 1;
  const hopsOf = new Map<string, number>();
  // Breadth first along inbound edges: the first time a node is reached is its shortest distance.
  bfsFromNode(
    graph,
    node,
    (name, _attributes, depth) => {
      hopsOf.set(name, depth);
      return depth >= maxHops;
    },
    { mode: 'inbound' },
  );
  hopsOf.delete(node);

  const dependents: Dependent[] = [];
  for (const [name, hops] of hopsOf) {
    let requests = 0;
    graph.forEachOutEdge(name, (_edge, attributes, _source, target) => {
      const targetHops = target === node ? 0 : hopsOf.get(target);
      if (targetHops === hops - 1) requests += attributes.requests;
    });
    dependents.push({ name, hops, requests });
  }
  return dependents.sort(byHopsThenRequests);
}

export function byHopsThenRequests(a: Dependent, b: Dependent): number {
  return a.hops - b.hops || b.requests - a.requests || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}
