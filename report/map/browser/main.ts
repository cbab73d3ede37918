/// <reference lib="dom" />
/**
 * The map page's entry (bundled by report/map/bundles.mjs, inlined by report/map/html.ts):
 * the embedded data becomes the report's own graph (report/graph.ts), drawn by sigma at the
 * positions computed in Node. `window.__map` (readiness-hook.ts) lets tests and scripts
 * drive it.
 */
import { buildGraph } from '../../graph.js';
import { edgeCard, nodeCard } from './card.js';
import { summarizeNode } from './details.js';
import { byId } from './dom.js';
import { embeddedData } from './embedded.js';
import { focusOn, type Direction, type Focus } from './focus.js';
import { createMapView } from './map-view.js';
import { createPanel } from './panel.js';
import { gpuDone, installHook, type MapHook } from './readiness-hook.js';

// Marks for bench/report.ts (performance.getEntriesByType('mark')): where the start-up time goes.
performance.mark('map:script');
const { data, layout } = embeddedData();
performance.mark('map:parsed');
const graph = buildGraph(data);
performance.mark('map:graph');
const view = createMapView(byId('map'), graph, layout);
performance.mark('map:sigma');
let current: Focus | undefined;

function fitCamera(members: Iterable<string>): void {
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const node of members) {
    const d = view.renderer.getNodeDisplayData(node);
    if (d === undefined) continue;
    [x1, y1, x2, y2] = [Math.min(x1, d.x), Math.min(y1, d.y), Math.max(x2, d.x), Math.max(y2, d.y)];
  }
  if (!Number.isFinite(x1)) return;
  const ratio = Math.min(1.2, Math.max(0.08, Math.max(x2 - x1, y2 - y1) * 1.4));
  void view.renderer.getCamera().animate({ x: (x1 + x2) / 2, y: (y1 + y2) / 2, ratio }, { duration: 400 });
}

function focus(name: string, direction: Direction, maxHops: number | undefined): Focus {
  current = focusOn(graph, name, direction, maxHops);
  const members = new Set([name, ...current.members.map((m) => m.name)]);
  view.setFocus(name, members);
  panel.showFocus(current);
  fitCamera(members);
  history.replaceState(null, '', `#focus=${encodeURIComponent(name)}&direction=${direction}&hops=${maxHops ?? 'all'}`);
  return current;
}

function clear(): void {
  current = undefined;
  view.setFocus(undefined, new Set());
  panel.showFocus(undefined);
  void view.renderer.getCamera().animate({ x: 0.5, y: 0.5, ratio: 1 }, { duration: 400 });
  history.replaceState(null, '', '#');
}

const panel = createPanel(data, {
  onFocus: (name) => focus(name, panel.direction(), panel.maxHops()),
  onClear: clear,
  onKindToggle: (kind, visible) => view.setKindVisible(kind, visible),
});
panel.showFocus(undefined);

const card = byId('card');
const showCard = (content: HTMLElement, event: { x: number; y: number }) => {
  card.replaceChildren(content);
  card.hidden = false;
  const box = byId('map').getBoundingClientRect();
  card.style.left = `${Math.min(box.left + event.x + 16, window.innerWidth - card.offsetWidth - 8)}px`;
  card.style.top = `${Math.min(box.top + event.y + 16, window.innerHeight - card.offsetHeight - 8)}px`;
};
view.renderer.on('enterNode', ({ node, event }) => showCard(nodeCard(summarizeNode(graph, node)), event));
view.renderer.on('enterEdge', ({ edge, event }) => showCard(edgeCard(graph.getEdgeAttributes(edge)), event));
view.renderer.on('leaveNode', () => (card.hidden = true));
view.renderer.on('leaveEdge', () => (card.hidden = true));
view.renderer.on('clickNode', ({ node }) => focus(node, panel.direction(), panel.maxHops()));
view.renderer.on('doubleClickStage', ({ preventSigmaDefault }) => {
  preventSigmaDefault();
  clear();
});

const hook: MapHook = installHook({
  nodeCount: graph.order,
  edgeCount: graph.size,
  drawnNodeCount: () => view.drawnNodeCount(),
  viewportPosition: (name) => view.viewportPosition(name),
  focus: (name, hops, direction = 'dependents') => focus(name, direction, hops).members,
  clearFocus: clear,
  dependents: () => current?.members ?? [],
});
// Sigma draws its first frame inside its constructor, before this listener exists: ask for
// one more, so "ready" means a frame was drawn with the panel and listeners in place, and
// executed by the GPU (gpuDone), not only queued. Only then are edges drawn into the
// picking buffer too (hover), which costs as much again on a software GPU.
const gl = view.renderer.getWebGLContext();
view.renderer.once('afterRender', () => {
  performance.mark('map:queued');
  void gpuDone(gl).then(() => {
    hook.markReady();
    view.renderer.once('afterRender', () => void gpuDone(gl).then(() => hook.markEdgeHoverReady()));
    view.enableEdgeHover();
  });
});
view.renderer.scheduleRender();

const fromHash = new URLSearchParams(location.hash.slice(1));
const hashNode = fromHash.get('focus');
if (hashNode !== null && graph.hasNode(hashNode)) {
  const hops = fromHash.get('hops');
  focus(hashNode, fromHash.get('direction') === 'dependencies' ? 'dependencies' : 'dependents', hops === null || hops === 'all' ? undefined : Number(hops));
}
