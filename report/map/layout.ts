/**
 * Positions for the map, computed in Node before the page is written so it opens at once:
 * ForceAtlas2 (graphology-layout-forceatlas2) from seeded starting positions, for a bounded
 * number of iterations. The same data always gives the same positions (FA2 itself has no
 * randomness; the start comes from each node's name, not from Math.random or input order).
 */
import forceAtlas2Module from 'graphology-layout-forceatlas2';
import { DirectedGraph } from 'graphology';
import { buildGraph } from '../graph.js';
import type { DependencyData } from '../model.js';
import type { MapLayout } from './embedding.js';

// The package is CommonJS (`module.exports = layout`) but its types declare `export default`:
// under NodeNext the default import is the function at run time and `{ default }` to tsc.
const forceAtlas2 = forceAtlas2Module as unknown as typeof forceAtlas2Module.default;

/**
 * Iterations by size: at 3,000 nodes x 20,000 edges one Barnes-Hut iteration costs ~25-40 ms
 * on a loaded 2-core machine, so large graphs get fewer (the layout only has to separate
 * clusters; the operator zooms and searches from there).
 */
export function iterationsFor(nodeCount: number): number {
  if (nodeCount <= 200) return 400;
  if (nodeCount <= 1000) return 150;
  return 60;
}

/** FNV-1a of the name -> a point in the unit disc: the seed of a node's start position. */
export function seededStart(name: string): { x: number; y: number } {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  const angle = ((h & 0xffff) / 0x10000) * 2 * Math.PI;
  const radius = Math.sqrt((h >>> 16) / 0x10000);
  return { x: radius * Math.cos(angle), y: radius * Math.sin(angle) };
}

export function computeLayout(data: DependencyData, options: { iterations?: number } = {}): MapLayout {
  // A copy of the report's graph with start positions: FA2 reads and moves x and y.
  const reportGraph = buildGraph(data);
  const spread = Math.sqrt(Math.max(1, reportGraph.order)) * 10;
  const graph = new DirectedGraph<{ x: number; y: number }, { requests: number }>({ allowSelfLoops: true });
  reportGraph.forEachNode((node) => {
    const start = seededStart(node);
    graph.addNode(node, { x: start.x * spread, y: start.y * spread });
  });
  reportGraph.forEachEdge((edge, attributes, client, server) => void graph.addDirectedEdgeWithKey(edge, client, server, { requests: attributes.requests }));
  const settings = {
    ...forceAtlas2.inferSettings(graph),
    // Shared services are used by most tools: without this they pull everything into one ball.
    outboundAttractionDistribution: true,
    barnesHutOptimize: graph.order > 500,
  };
  const positions = forceAtlas2(graph, {
    iterations: options.iterations ?? iterationsFor(graph.order),
    settings,
    // Busy edges pull harder, but on a log scale: one heavy edge must not collapse a cluster.
    getEdgeWeight: (_edge, attributes) => Math.log10(1 + attributes.requests),
  });
  // Rounded: positions are for the eye, and shorter numbers keep the page small.
  return { positions: graph.nodes().flatMap((n) => [Math.round(positions[n]!.x * 10) / 10, Math.round(positions[n]!.y * 10) / 10]) };
}
