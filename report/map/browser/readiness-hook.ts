/// <reference lib="dom" />
/**
 * `window.__map`: a small, stable handle for tests and scripts (documented in
 * docs/operators/reports.md, "The dependency map").
 *   ready          false until sigma has drawn the first frame
 *   readyAtMs      performance.now() at that moment (ms since navigation start), else null
 *   nodeCount      nodes of the graph built from the embedded data; edgeCount likewise
 *   drawnNodeCount() nodes sigma has on the canvas (processed and not hidden)
 *   viewportPosition(name) where a node is drawn: {x, y} in CSS pixels from the map's corner
 *   focus(name, hops?, direction?) focuses a node as the search does and returns what
 *                  the panel lists: [{name, hops, requests}], exactly what
 *                  `report DIRECTION NAME --transitive [--max-hops hops]` prints, DIRECTION
 *                  'dependents' (default) or 'dependencies' (hops omitted or undefined: all
 *                  hops; 1: the same as without --transitive)
 *   dependents()   the list shown for the focused node, [] without a focus
 *   clearFocus()
 */
import type { Reached } from '../../analysis/reach.js';
import type { Direction } from './focus.js';

export interface MapHook {
  ready: boolean;
  readyAtMs: number | null;
  nodeCount: number;
  edgeCount: number;
  drawnNodeCount(): number;
  viewportPosition(name: string): { x: number; y: number };
  focus(name: string, hops?: number, direction?: Direction): Reached[];
  dependents(): Reached[];
  clearFocus(): void;
  markReady(): void;
}

declare global {
  interface Window {
    __map?: MapHook;
  }
}

export function installHook(parts: Omit<MapHook, 'ready' | 'readyAtMs' | 'markReady'>): MapHook {
  const hook: MapHook = {
    ...parts,
    ready: false,
    readyAtMs: null,
    markReady() {
      hook.ready = true;
      hook.readyAtMs = performance.now();
      document.body.dataset.ready = 'true';
    },
  };
  window.__map = hook;
  return hook;
}
