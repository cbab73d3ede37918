/// <reference lib="dom" />
/**
 * The side panel: summary, search, hop limit, kind filters, the focused node's dependents
 * and the legend. It only reports what the operator asked for (callbacks); main.ts decides.
 */
import type { DependencyData, NodeKind } from '../../model.js';
import { KIND_STYLE } from './appearance.js';
import { byId, el, formatCount } from './dom.js';
import type { Direction, Focus } from './focus.js';

export interface PanelEvents {
  /** Focus `name` with the direction and hop limit chosen in the panel. */
  onFocus(name: string): void;
  onClear(): void;
  onKindToggle(kind: NodeKind, visible: boolean): void;
}

export interface Panel {
  /** Shows the focus and sets the panel's controls to match it. */
  showFocus(focus: Focus | undefined): void;
  direction(): Direction;
  /** The hop limit chosen in the panel; undefined: all hops. */
  maxHops(): number | undefined;
}

const KINDS: NodeKind[] = ['tool', 'service', 'external'];

/** The closest name to what was typed: exact, else the shortest name starting with it, else containing it. */
export function matchName(names: readonly string[], typed: string): string | undefined {
  const q = typed.trim().toLowerCase();
  if (q === '') return undefined;
  const exact = names.find((n) => n.toLowerCase() === q);
  if (exact !== undefined) return exact;
  const shortest = (list: string[]) => list.sort((a, b) => a.length - b.length || a.localeCompare(b))[0];
  return shortest(names.filter((n) => n.toLowerCase().startsWith(q))) ?? shortest(names.filter((n) => n.toLowerCase().includes(q)));
}

function summaryText(focus: Focus, limit: string): string {
  const n = formatCount(focus.members.length);
  if (focus.direction === 'dependents') return focus.members.length === 0 ? `nothing depends on it (${limit})` : `${n} would break if it went away (${limit})`;
  return focus.members.length === 0 ? `it uses nothing (${limit})` : `it uses ${n} (${limit})`;
}

export function createPanel(data: DependencyData, events: PanelEvents): Panel {
  const names = data.nodes.map((n) => n.name).sort();
  const counts = new Map<NodeKind, number>();
  for (const n of data.nodes) counts.set(n.kind, (counts.get(n.kind) ?? 0) + 1);

  byId('window').textContent = `${data.window.since.slice(0, 16).replace('T', ' ')} – ${data.window.until.slice(0, 16).replace('T', ' ')} UTC`;
  byId('summary').textContent = `${formatCount(counts.get('tool') ?? 0)} tools · ${formatCount(counts.get('service') ?? 0)} shared services · ${formatCount(counts.get('external') ?? 0)} external · ${formatCount(data.edges.length)} edges`;

  const datalist = byId('names');
  datalist.append(...names.map((name) => el('option', { value: name })));
  const search = byId<HTMLInputElement>('search');
  const hops = byId<HTMLSelectElement>('hops');
  const direction = byId<HTMLSelectElement>('direction');
  const note = byId('search-note');
  const maxHops = () => (hops.value === 'all' ? undefined : Number(hops.value));
  const submit = () => {
    const name = matchName(names, search.value);
    note.textContent = name === undefined && search.value.trim() !== '' ? `no node matches “${search.value.trim()}”` : '';
    if (name !== undefined) events.onFocus(name);
  };
  byId('search-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  search.addEventListener('change', () => names.includes(search.value) && submit());
  hops.addEventListener('change', () => search.value !== '' && submit());
  direction.addEventListener('change', () => search.value !== '' && submit());
  byId('clear').addEventListener('click', () => {
    search.value = '';
    note.textContent = '';
    events.onClear();
  });

  const kinds = byId('kinds');
  for (const kind of KINDS) {
    const box = el('input', { type: 'checkbox', id: `kind-${kind}` });
    (box as HTMLInputElement).checked = true;
    box.addEventListener('change', () => events.onKindToggle(kind, (box as HTMLInputElement).checked));
    kinds.append(el('label', { class: 'kind' }, box, el('span', { class: `swatch ${KIND_STYLE[kind].shape}`, style: `background:${KIND_STYLE[kind].color}` }), `${KIND_STYLE[kind].label} (${formatCount(counts.get(kind) ?? 0)})`));
  }

  const result = byId('focus-result');
  return {
    maxHops,
    direction: () => direction.value as Direction,
    showFocus(focus) {
      result.replaceChildren();
      if (focus === undefined) {
        result.append(el('p', { class: 'hint' }, 'Find a node, or click one, to see everything that depends on it (or everything it uses).'));
        return;
      }
      search.value = focus.node;
      direction.value = focus.direction;
      hops.value = focus.maxHops === undefined ? 'all' : String(focus.maxHops);
      const limit = focus.maxHops === undefined ? 'all hops' : focus.maxHops === 1 ? 'direct only' : `up to ${focus.maxHops} hops`;
      result.append(
        el('h2', {}, focus.node),
        el('p', { class: 'hint' }, summaryText(focus, limit)),
      );
      if (focus.members.length === 0) return;
      const body = el('tbody');
      for (const m of focus.members) {
        const link = el('a', { href: '#', 'data-node': m.name }, m.name);
        link.addEventListener('click', (event) => {
          event.preventDefault();
          events.onFocus(m.name);
        });
        body.append(el('tr', {}, el('td', {}, link), el('td', { class: 'num' }, String(m.hops)), el('td', { class: 'num' }, formatCount(m.requests))));
      }
      result.append(el('table', { id: 'dependents' }, el('thead', {}, el('tr', {}, el('th', {}, focus.direction === 'dependents' ? 'dependent' : 'uses'), el('th', { class: 'num' }, 'hops'), el('th', { class: 'num' }, 'requests'))), body));
    },
  };
}
