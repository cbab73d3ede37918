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

export const DIMMED_NODE_COLOR = '#dde1e6';
export const FOCUS_EDGE_COLOR = 'rgba(40, 60, 110, 0.75)';
export const FAILURE_COLOR = 'rgba(217, 56, 56, 0.9)';

/**
 * Node radius in pixels (half the side of a square) from the requests it receives: 2.5 for
 * an unused tool, ~12 for millions, up to 300 nodes; scaled down for more, to 0.4 of that
 * from 1,900 nodes, so the overview of a big graph stays dots and edges, not one blue blob.
 */
export function nodeSize(kind: NodeKind, inboundRequests: number, nodeCount: number): number {
  const base = kind === 'tool' ? 2.5 : 6;
  return (base + Math.log10(1 + inboundRequests) * 1.6) * densityScale(nodeCount);
}

export function densityScale(nodeCount: number): number {
  return Math.min(1, Math.max(0.4, Math.sqrt(300 / Math.max(1, nodeCount))));
}

/** Edge width in pixels: 0.5 for one request, ~4 for a million. */
export function edgeSize(requests: number): number {
  return 0.5 + Math.log10(1 + requests) * 0.6;
}

/**
 * How opaque an edge is in the overview: the more edges, the fainter each, so 20,000 of them
 * still show where the clusters are instead of one grey disc.
 */
export function overviewEdgeAlpha(edgeCount: number): number {
  return Math.min(0.35, Math.max(0.05, 0.35 * Math.sqrt(400 / Math.max(1, edgeCount))));
}

/** Edges with failures are red, more opaque the larger the failed share. */
export function edgeColor(requests: number, failures: number, alpha: number): string {
  if (failures <= 0) return `rgba(90, 105, 130, ${alpha.toFixed(3)})`;
  const share = requests > 0 ? Math.min(1, failures / requests) : 1;
  return `rgba(217, 56, 56, ${Math.min(1, alpha * 1.2 + share * 0.3).toFixed(3)})`;
}

/** A focus with more members than this labels only what sigma's label grid has room for. */
export const FOCUS_LABEL_LIMIT = 60;
