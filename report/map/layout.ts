/**
 * Positions for the map, computed in Node before the page is written so it opens at once:
 * ForceAtlas2 (graphology-layout-forceatlas2) from seeded starting positions, for a bounded
 * number of iterations. The same data always gives the same positions: FA2 itself has no
 * randomness, and the start comes from a seeded Louvain and each node's name, never from
 * Math.random.
 */
import { DirectedGraph } from 'graphology';
import louvainModule from 'graphology-communities-louvain';
import forceAtlas2Module from 'graphology-layout-forceatlas2';
import { seededRandom } from '../analysis/groups.js';
import { buildGraph } from '../graph.js';
import type { DependencyData } from '../model.js';
import type { MapLayout } from './embedding.js';

// The packages are CommonJS (`module.exports = fn`) but their types declare `export default`:
// under NodeNext the default import is the function at run time and `{ default }` to tsc.
const forceAtlas2 = forceAtlas2Module as unknown as typeof forceAtlas2Module.default;
const louvain = louvainModule as unknown as typeof louvainModule.default;

type LayoutGraph = DirectedGraph<{ x: number; y: number }, { weight: number }>;

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

/**
 * Start positions: each community (seeded Louvain) gets its own disc, the discs laid out on a
 * sunflower spiral, largest first; inside its disc a node sits where its name hashes to.
 * ForceAtlas2 then only has to settle the clusters, which a bounded number of iterations
 * does; from random starts it leaves one undifferentiated disc.
 */
function placeByCommunity(graph: LayoutGraph, spacing: number): void {
  const communities = louvain(graph, { getEdgeWeight: 'weight', rng: seededRandom(1) });
  const members = new Map<number, string[]>();
  graph.forEachNode((node) => {
    const c = communities[node]!;
    members.set(c, [...(members.get(c) ?? []), node]);
  });
  const ordered = [...members.values()].sort((a, b) => b.length - a.length || (a[0]! < b[0]! ? -1 : 1));
  let area = 0;
  ordered.forEach((nodes, k) => {
    const radius = Math.sqrt(nodes.length) * spacing;
    const distance = Math.sqrt(area) * spacing * 1.2;
    const angle = k * 2.399963; // the golden angle
    area += nodes.length;
    for (const node of nodes) {
      const start = seededStart(node);
      graph.mergeNodeAttributes(node, { x: distance * Math.cos(angle) + start.x * radius, y: distance * Math.sin(angle) + start.y * radius });
    }
  });
}

export function computeLayout(data: DependencyData, options: { iterations?: number } = {}): MapLayout {
  // A copy of the report's graph with positions and layout weights: FA2 reads and moves x, y.
  const reportGraph = buildGraph(data);
  const graph: LayoutGraph = new DirectedGraph({ allowSelfLoops: true });
  reportGraph.forEachNode((node) => void graph.addNode(node, { x: 0, y: 0 }));
  // Busy edges pull harder, on a log scale (one heavy edge must not collapse a cluster); edges
  // to shared services and outside pull a tenth as hard, so tools group by the tools they
  // call rather than all around the Wiki Replicas.
  reportGraph.forEachEdge((edge, attributes, client, server, _c, serverAttributes) => {
    const weight = Math.log10(1 + attributes.requests) * (serverAttributes.kind === 'tool' ? 1 : 0.1);
    graph.addDirectedEdgeWithKey(edge, client, server, { weight });
  });
  placeByCommunity(graph, 10);
  const settings = {
    ...forceAtlas2.inferSettings(graph),
    // Shared services are used by most tools: without this they pull everything into one ball.
    outboundAttractionDistribution: true,
    barnesHutOptimize: graph.order > 500,
  };
  const positions = forceAtlas2(graph, { iterations: options.iterations ?? iterationsFor(graph.order), settings, getEdgeWeight: 'weight' });
  // Rounded: positions are for the eye, and shorter numbers keep the page small.
  return { positions: graph.nodes().flatMap((n) => [Math.round(positions[n]!.x * 10) / 10, Math.round(positions[n]!.y * 10) / 10]) };
}
