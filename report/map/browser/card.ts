/// <reference lib="dom" />
/** The hover card: a node's or an edge's traffic and detail, built from details.ts. */
import type { DependencyEdge } from '../../model.js';
import { KIND_STYLE } from './appearance.js';
import { SOURCE_TEXT, type NodeSummary } from './details.js';
import { el, formatCount } from './dom.js';

function rows(entries: Array<[string, string]>): HTMLTableElement {
  return el('table', {}, ...entries.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', { class: 'num' }, v))));
}

function failures(n: number): Node | string {
  return n > 0 ? el('span', { class: 'fail' }, ` (${formatCount(n)} failed)`) : '';
}

export function nodeCard(summary: NodeSummary): HTMLElement {
  const kind = KIND_STYLE[summary.kind];
  const card = el('div', {}, el('div', { class: 'card-title' }, summary.name), el('div', { class: 'card-kind' }, kind.label.replace(/s$/, '')));
  if (summary.kind === 'tool') card.append(el('p', {}, `${formatCount(summary.endUserRequests)} requests from end users`));
  card.append(
    el('p', {}, `used by ${formatCount(summary.usedBy)} · ${formatCount(summary.requestsIn)} requests in`, failures(summary.failuresIn)),
    el('p', {}, `uses ${formatCount(summary.uses)} · ${formatCount(summary.requestsOut)} requests out`, failures(summary.failuresOut)),
  );
  if (summary.detailsIn.length > 0) {
    card.append(el('div', { class: 'card-section' }, 'by detail'), rows(summary.detailsIn.map((d) => [d.detail, formatCount(d.requests)])));
  }
  if (summary.topOut.length > 0) {
    card.append(
      el('div', { class: 'card-section' }, 'calls'),
      rows(summary.topOut.map((o) => [o.details.length > 0 ? `${o.server} (${o.details.join(', ')})` : o.server, formatCount(o.requests) + (o.failures > 0 ? ` / ${formatCount(o.failures)}✕` : '')])),
    );
  }
  return card;
}

export function edgeCard(edge: DependencyEdge): HTMLElement {
  const card = el('div', {}, el('div', { class: 'card-title' }, `${edge.client} → ${edge.server}`), el('div', { class: 'card-kind' }, SOURCE_TEXT[edge.source]));
  card.append(el('p', {}, `${formatCount(edge.requests)} requests`, failures(edge.failures)));
  const details = edge.details.filter((d) => d.detail !== '');
  if (details.length > 0) card.append(rows(details.map((d) => [d.detail, formatCount(d.requests) + (d.failures > 0 ? ` / ${formatCount(d.failures)}✕` : '')])));
  return card;
}
