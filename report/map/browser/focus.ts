/**
 * Which nodes a focus shows: dependents (who would break if the node went away) or
 * dependencies (what it uses, directly and through others), from report/analysis/reach.ts,
 * the same walk `report dependents` and `report dependencies` print, bundled into the page
 * so the map and the CLI cannot disagree.
 */
import { reachOf, type Direction, type Reached } from '../../analysis/reach.js';
import type { DependencyGraph } from '../../graph.js';

export type { Direction };

export interface Focus {
  node: string;
  direction: Direction;
  /** undefined: every hop (`--transitive` without `--max-hops`). */
  maxHops: number | undefined;
  members: Reached[];
}

/** maxHops 1 is the CLI without --transitive; undefined is --transitive without --max-hops. */
export function focusOn(graph: DependencyGraph, node: string, direction: Direction, maxHops: number | undefined): Focus {
  const members = reachOf(graph, node, direction, { transitive: maxHops !== 1, ...(maxHops === undefined ? {} : { maxHops }) });
  return { node, direction, maxHops, members };
}
