/**
 * Which nodes a focus shows. Dependents (who would break if the node went away) come from
 * report/analysis/dependents.ts, the same function `report dependents` prints, bundled into
 * the page so the map and the CLI cannot disagree. Dependencies (what the node uses,
 * directly and through others) are the same breadth-first walk the other way round.
 */
import { bfsFromNode } from 'graphology-traversal';
import { byHopsThenRequests, dependentsOf, type Dependent } from '../../analysis/dependents.js';
import type { DependencyGraph } from '../../graph.js';

export type Direction = 'dependents' | 'dependencies';

export interface Focus {
  node: string;
  direction: Direction;
  /** undefined: every hop (`--transitive` without `--max-hops`). */
  maxHops: number | undefined;
  members: Dependent[];
}

/** What `node` uses within `maxHops`; requests: on the edges from the nodes one hop closer. */
function dependenciesOf(graph: DependencyGraph, node: string, maxHops: number): Dependent[] {
  const hopsOf = new Map<string, number>();
  bfsFromNode(graph, node, (name, _attributes, depth) => (hopsOf.set(name, depth), depth >= maxHops), { mode: 'outbound' });
  hopsOf.delete(node);
  return [...hopsOf]
    .map(([name, hops]) => {
      let requests = 0;
      graph.forEachInEdge(name, (_edge, attributes, source) => void ((source === node ? 0 : hopsOf.get(source)) === hops - 1 && (requests += attributes.requests)));
      return { name, hops, requests };
    })
    .sort(byHopsThenRequests);
}

export function focusOn(graph: DependencyGraph, node: string, direction: Direction, maxHops: number | undefined): Focus {
  const members =
    direction === 'dependents'
      ? dependentsOf(graph, node, { transitive: maxHops !== 1, ...(maxHops === undefined ? {} : { maxHops }) })
      : dependenciesOf(graph, node, maxHops ?? Number.POSITIVE_INFINITY);
  return { node, direction, maxHops, members };
}
