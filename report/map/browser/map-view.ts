/// <reference lib="dom" />
/**
 * The WebGL view: sigma over the report's own graph (report/graph.ts), with positions from
 * the embedded layout. Focus and kind filters are sigma states, so changing them restyles
 * without rebuilding anything; the graph itself is never modified after start.
 */
import Sigma, { DEFAULT_STYLES } from 'sigma';
import { extremityArrow, sdfCircle, sdfDiamond, sdfSquare } from 'sigma/rendering';
import type { DirectedGraph } from 'graphology';
import type { DependencyGraph, EdgeAttributes, NodeAttributes } from '../../graph.js';
import type { NodeKind } from '../../model.js';
import type { MapLayout } from '../embedding.js';
import { DIMMED_NODE_COLOR, FOCUS_EDGE_COLOR, KIND_STYLE, edgeColor, edgeSize, nodeSize } from './appearance.js';

export interface MapView {
  readonly renderer: MapRenderer;
  /** Shows only `members` (and the edges among them) in full colour; `undefined` clears the focus. */
  setFocus(center: string | undefined, members: ReadonlySet<string>): void;
  setKindVisible(kind: NodeKind, visible: boolean): void;
  /** Nodes sigma has processed for drawing and not hidden: what is on the canvas. */
  drawnNodeCount(): number;
}

/** What sigma draws, set next to the report's own attributes (kind, endUserRequests). */
interface Drawing {
  x: number;
  y: number;
  size: number;
  color: string;
  shape: string;
  label: string;
}

interface EdgeDrawing {
  size: number;
  color: string;
}

type MapGraph = DirectedGraph<NodeAttributes & Drawing, EdgeAttributes & EdgeDrawing>;

/** The report's graph with what sigma draws added to every node and edge. */
function decorate(graph: DependencyGraph, layout: MapLayout): MapGraph {
  if (layout.positions.length !== graph.order * 2) throw new Error(`the map layout has ${layout.positions.length / 2} positions for ${graph.order} nodes`);
  // The drawing attributes are added to every node and edge below, before sigma reads any.
  const drawn = graph as unknown as MapGraph;
  let i = 0;
  graph.forEachNode((node, attributes) => {
    let inbound = 0;
    graph.forEachInEdge(node, (_edge, edge) => void (inbound += edge.requests));
    const style = KIND_STYLE[attributes.kind];
    const drawing: Drawing = {
      x: layout.positions[2 * i]!,
      y: layout.positions[2 * i + 1]!,
      size: nodeSize(attributes.kind, inbound),
      color: style.color,
      shape: style.shape,
      label: node,
    };
    i += 1;
    drawn.mergeNodeAttributes(node, drawing);
  });
  graph.forEachEdge((edge, attributes) => drawn.mergeEdgeAttributes(edge, { size: edgeSize(attributes.requests), color: edgeColor(attributes.requests, attributes.failures) }));
  return drawn;
}

function createRenderer(container: HTMLElement, graph: MapGraph) {
  return new Sigma(graph, container, {
    customNodeState: { inFocus: false },
    customEdgeState: { inFocus: false },
    customGraphState: { hasFocus: false },
    primitives: {
      nodes: {
        shapes: [sdfCircle(), sdfSquare(), sdfDiamond()],
        label: { font: { family: 'system-ui, "DejaVu Sans", sans-serif', size: 12 }, color: '#1d2633' },
      },
      edges: { extremities: [extremityArrow({ lengthRatio: 3, widthRatio: 2.5 })], defaultHead: 'arrow' },
    },
    styles: {
      nodes: [
        DEFAULT_STYLES.nodes,
        { shape: { attribute: 'shape', defaultValue: 'circle' } },
        { when: (_a, state, graphState) => graphState.hasFocus && !state.inFocus, then: { color: DIMMED_NODE_COLOR, label: '', depth: 'nodes' } },
        { whenState: 'inFocus', then: { labelVisibility: 'visible', depth: 'topNodes' } },
        { whenState: 'isHighlighted', then: { labelVisibility: 'visible', depth: 'topNodes', backdropVisibility: 'visible' } },
      ],
      edges: [
        DEFAULT_STYLES.edges,
        { head: 'arrow' },
        { when: (_a, state, graphState) => graphState.hasFocus && !state.inFocus, then: { visibility: 'hidden' } },
        { when: (attributes, state) => state.inFocus && Number(attributes.failures ?? 0) === 0, then: { color: FOCUS_EDGE_COLOR, depth: 'topEdges' } },
        { whenState: 'isHovered', then: { color: FOCUS_EDGE_COLOR, depth: 'topEdges' } },
      ],
      stage: { background: '#f7f8fa' },
    },
    settings: {
      enableEdgeEvents: true,
      hideEdgesOnMove: true,
      labelDensity: 0.6,
      labelRenderedSizeThreshold: 7,
    },
  });

}

type MapRenderer = ReturnType<typeof createRenderer>;

export function createMapView(container: HTMLElement, reportGraph: DependencyGraph, layout: MapLayout): MapView {
  const graph = decorate(reportGraph, layout);
  const renderer = createRenderer(container, graph);
  let focusedEdges: string[] = [];
  let focusedNodes: string[] = [];
  let center: string | undefined;
  return {
    renderer,
    setFocus(newCenter, members) {
      if (center !== undefined) renderer.setNodeState(center, { isHighlighted: false });
      renderer.setNodesState(focusedNodes, { inFocus: false });
      renderer.setEdgesState(focusedEdges, { inFocus: false });
      center = newCenter;
      focusedNodes = [...members];
      focusedEdges = [];
      if (newCenter !== undefined) {
        for (const node of focusedNodes) graph.forEachOutEdge(node, (edge, _a, _s, target) => void (members.has(target) && focusedEdges.push(edge)));
        renderer.setNodesState(focusedNodes, { inFocus: true });
        renderer.setEdgesState(focusedEdges, { inFocus: true });
        renderer.setNodeState(newCenter, { isHighlighted: true });
      }
      renderer.setGraphState({ hasFocus: newCenter !== undefined });
    },
    setKindVisible(kind, visible) {
      renderer.setNodesState(
        graph.filterNodes((_node, attributes) => attributes.kind === kind),
        { isHidden: !visible },
      );
    },
    drawnNodeCount() {
      let drawn = 0;
      graph.forEachNode((node) => {
        const display = renderer.getNodeDisplayData(node);
        if (display !== undefined && display.visibility === 'visible') drawn += 1;
      });
      return drawn;
    },
  };
}
