/// <reference lib="dom" />
/**
 * `window.__map`: a small, stable handle for tests and scripts (documented in
 * docs/operators/reports.md, "The dependency map").
 *   ready          false until the first frame is drawn: sigma has issued it and the GPU
 *                  (in headless Chromium SwiftShader, on the CPU) has finished executing it
 *   readyAtMs      performance.now() at that moment (ms since navigation start), else null
 *   edgeHoverReadyAtMs  likewise once edges answer the pointer too (drawn into sigma's
 *                  picking buffer, from the frame after the first), else null
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
  edgeHoverReadyAtMs: number | null;
  nodeCount: number;
  edgeCount: number;
  drawnNodeCount(): number;
  viewportPosition(name: string): { x: number; y: number };
  focus(name: string, hops?: number, direction?: Direction): Reached[];
  dependents(): Reached[];
  clearFocus(): void;
  markReady(): void;
  markEdgeHoverReady(): void;
}

declare global {
  interface Window {
    __map?: MapHook;
  }
}

/**
 * Resolves once the GPU has executed every WebGL command issued so far. Sigma returns from a
 * render as soon as its commands are queued; a software GPU can need seconds more to run
 * them, and only then is the frame on screen. A fence polled once per animation frame, so
 * the page's main thread is never blocked waiting.
 */
export function gpuDone(gl: WebGL2RenderingContext): Promise<void> {
  const fence = gl.fenceSync(gl.SYNC_GPU_COMMANDS_COMPLETE, 0);
  gl.flush();
  return new Promise((resolve) => {
    const poll = () => {
      if (fence !== null && gl.clientWaitSync(fence, 0, 0) === gl.TIMEOUT_EXPIRED) {
        requestAnimationFrame(poll);
        return;
      }
      if (fence !== null) gl.deleteSync(fence);
      resolve();
    };
    requestAnimationFrame(poll);
  });
}

export function installHook(parts: Omit<MapHook, 'ready' | 'readyAtMs' | 'edgeHoverReadyAtMs' | 'markReady' | 'markEdgeHoverReady'>): MapHook {
  const hook: MapHook = {
    ...parts,
    ready: false,
    readyAtMs: null,
    edgeHoverReadyAtMs: null,
    markReady() {
      hook.ready = true;
      hook.readyAtMs = performance.now();
      document.body.dataset.ready = 'true';
    },
    markEdgeHoverReady() {
      hook.edgeHoverReadyAtMs = performance.now();
    },
  };
  window.__map = hook;
  return hook;
}
