/**
 * How the map draws the dependency data: one colour and shape per node kind, sizes from
 * request counts on a log scale (counts span six orders of magnitude), failures in red.
 * Pure functions so the legend in the page and the renderer cannot disagree.
 */
import type { NodeKind } from '../../model.js';

export const KIND_STYLE: Record<NodeKind, { color: string; shape: 'circle' | 'square' | 'diamond'; label: string }> = {
  tool: { color: '#3b6fd8', shape: 'circle', label: 'tools' },
  service: { color: '#e08a00', shape: 'square', label: 'shared services' },
  external: { color: '#7b8794', shape: 'diamond', label: 'external' },
};

export const FAILURE_COLOR = '#d93838';
export const EDGE_COLOR = 'rgba(90, 105, 130, 0.28)';
export const DIMMED_NODE_COLOR = '#dde1e6';
export const FOCUS_EDGE_COLOR = 'rgba(40, 60, 110, 0.75)';

/** Node radius in pixels from the requests it receives: 2 for an unused tool, ~12 for millions. */
export function nodeSize(kind: NodeKind, inboundRequests: number): number {
  const base = kind === 'tool' ? 2 : 5;
  return base + Math.log10(1 + inboundRequests) * 1.4;
}

/** Edge width in pixels: 0.5 for one request, ~4 for a million. */
export function edgeSize(requests: number): number {
  return 0.5 + Math.log10(1 + requests) * 0.6;
}

/** Edges with failures are red, more opaque the larger the failed share. */
export function edgeColor(requests: number, failures: number): string {
  if (failures <= 0) return EDGE_COLOR;
  const share = requests > 0 ? Math.min(1, failures / requests) : 1;
  return `rgba(217, 56, 56, ${(0.45 + share * 0.55).toFixed(2)})`;
}
