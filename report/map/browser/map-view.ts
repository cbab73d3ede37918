/// <reference lib="dom" />
/**
 * The WebGL view: sigma over the report's own graph (report/graph.ts), with positions from
 * the embedded layout. Focus and kind filters are sigma states, so changing them restyles
 * without rebuilding anything; the graph itself is never modified after start.
 */
import Sigma, { DEFAULT_STYLES } from 'sigma';
import { extremityArrow, pathLine, pathLoop, sdfCircle, sdfDiamond, sdfSquare } from 'sigma/rendering';
import type { DirectedGraph } from 'graphology';
import type { DependencyGraph, EdgeAttributes, NodeAttributes } from '../../graph.js';
import type { NodeKind } from '../../model.js';
import type { MapLayout } from '../embedding.js';
import { DIMMED_NODE_COLOR, FAILURE_COLOR, FOCUS_EDGE_COLOR, FOCUS_LABEL_LIMIT, KIND_STYLE, edgeColor, edgeSize, nodeSize, overviewEdgeAlpha } from './appearance.js';

export interface MapView {
  readonly renderer: MapRenderer;
  /** Edges answer the pointer from the next frame on (enterEdge, the edge's hover card). */
  enableEdgeHover(): void;
  /** Shows only `members` (and the edges among them) in full colour; `undefined` clears the focus. */
  setFocus(center: string | undefined, members: ReadonlySet<string>): void;
  setKindVisible(kind: NodeKind, visible: boolean): void;
  /** Nodes sigma has processed for drawing and not hidden: what is on the canvas. */
  drawnNodeCount(): number;
  /** Where a node is drawn, in CSS pixels from the map's top left corner. */
  viewportPosition(node: string): { x: number; y: number };
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
      size: nodeSize(attributes.kind, inbound, graph.order),
      color: style.color,
      shape: style.shape,
      label: node,
    };
    i += 1;
    drawn.mergeNodeAttributes(node, drawing);
  });
  const alpha = overviewEdgeAlpha(graph.size);
  graph.forEachEdge((edge, attributes) => drawn.mergeEdgeAttributes(edge, { size: edgeSize(attributes.requests), color: edgeColor(attributes.requests, attributes.failures, alpha) }));
  return drawn;
}

function createRenderer(container: HTMLElement, graph: MapGraph) {
  return new Sigma(graph, container, {
    customNodeState: { inFocus: false },
    customEdgeState: { inFocus: false },
    customGraphState: { hasFocus: false, labelFocus: false },
    primitives: {
      nodes: {
        shapes: [sdfCircle(), sdfSquare(), sdfDiamond()],
        label: { font: { family: 'system-ui, "DejaVu Sans", sans-serif', size: 12 }, color: '#1d2633' },
      },
      // Sigma draws every edge with as many vertices as its costliest path needs: the
      // self-loop path (a 32-segment curve) makes each straight edge cost 74 vertices
      // instead of 12, so it is included only when the graph has a self-loop.
      edges: {
        paths: graph.selfLoopCount > 0 ? [pathLine(), pathLoop()] : [pathLine()],
        extremities: [extremityArrow({ lengthRatio: 3, widthRatio: 2.5 })],
        defaultHead: 'arrow',
      },
    },
    styles: {
      nodes: [
        DEFAULT_STYLES.nodes,
        { shape: { attribute: 'shape', defaultValue: 'circle' } },
        // Shared services and external destinations are few and called by many: drawn over
        // the tools around them, so they stay visible and answer the pointer.
        { when: (attributes) => attributes.kind !== 'tool', then: { depth: 'topNodes' } },
        { when: (_a, state, graphState) => graphState.hasFocus && !state.inFocus, then: { color: DIMMED_NODE_COLOR, label: '', depth: 'nodes' } },
        { whenState: 'inFocus', then: { depth: 'topNodes', size: (attributes) => Math.min(attributes.size * 1.4 + 2, 16) } },
        { when: (_a, state, graphState) => state.inFocus && graphState.labelFocus, then: { labelVisibility: 'visible' } },
        { whenState: 'isHighlighted', then: { labelVisibility: 'visible', depth: 'topNodes', backdropVisibility: 'visible' } },
      ],
      edges: [
        DEFAULT_STYLES.edges,
        { head: 'arrow' },
        { when: (_a, state, graphState) => graphState.hasFocus && !state.inFocus, then: { visibility: 'hidden' } },
        { whenState: 'inFocus', then: { color: (attributes) => (attributes.failures > 0 ? FAILURE_COLOR : FOCUS_EDGE_COLOR), depth: 'topEdges' } },
        { whenState: 'isHovered', then: { color: FOCUS_EDGE_COLOR, depth: 'topEdges' } },
      ],
      stage: { background: '#f7f8fa' },
    },
    settings: {
      // Edge hover needs every edge drawn a second time, into the picking buffer: that
      // waits until the first frame is on screen (enableEdgeHover).
      enableEdgeEvents: false,
      // Sizes are pixels (appearance.ts), whatever the graph's extent: sigma's default
      // ('positions') scales them with the layout, which drew a 20-node map's services as
      // 100-pixel squares. They keep their size when zooming: zooming in separates them.
      itemSizesReference: 'screen',
      zoomToSizeRatioFunction: (ratio) => ratio,
      hideEdgesOnMove: true,
      labelDensity: 0.6,
      // Every node may be labelled; sigma's label grid (labelDensity) keeps a 3,000-node
      // overview to the largest node per cell.
      labelRenderedSizeThreshold: 0,
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
    enableEdgeHover() {
      renderer.setSetting('enableEdgeEvents', true);
    },
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
      renderer.setGraphState({ hasFocus: newCenter !== undefined, labelFocus: members.size <= FOCUS_LABEL_LIMIT });
    },
    setKindVisible(kind, visible) {
      renderer.setNodesState(
        graph.filterNodes((_node, attributes) => attributes.kind === kind),
        { isHidden: !visible },
      );
    },
    viewportPosition(node) {
      const { x, y } = graph.getNodeAttributes(node);
      return renderer.graphToViewport({ x, y });
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
