/** What `-o table` and `-o wide` show for each report. */
import type { ConsumersReport } from '../analysis/consumers.js';
import type { Direction, Reached } from '../analysis/reach.js';
import type { GroupsReport } from '../analysis/groups.js';
import type { HubsReport } from '../analysis/hubs.js';
import type { ToolReport, Use } from '../analysis/tool.js';
import type { UnusedReport } from '../analysis/unused.js';
import type { EdgeDetail, EvidenceWindow } from '../model.js';
import type { View } from './render.js';

export function windowNote(window: EvidenceWindow): string {
  return `window: ${window.since} .. ${window.until}`;
}

const detailText = (details: EdgeDetail[]) =>
  details
    .filter((d) => d.detail !== '')
    .map((d) => `${d.detail}=${d.requests}`)
    .join(' ');

function usesRows(uses: Use[], wide: boolean): Array<Array<string | number>> {
  return uses.map((u) => (wide ? [u.name, u.kind, u.requests, u.failures, u.source, detailText(u.details)] : [u.name, u.kind, u.requests, u.failures, u.source]));
}

export function toolView(r: ToolReport & { window: EvidenceWindow }, wide: boolean): View {
  const head = ['NAME', 'KIND', 'REQUESTS', 'FAILURES', 'SOURCE', ...(wide ? ['DETAILS'] : [])];
  return {
    sections: [
      { title: `${r.tool} uses:`, head, rows: usesRows(r.uses, wide), empty: '(nothing in the window)' },
      { title: `${r.tool} is used by:`, head, rows: usesRows(r.usedBy, wide), empty: '(no caller in the window)' },
    ],
    notes: [`end-user requests: ${r.endUserRequests}`, windowNote(r.window)],
  };
}

const REACH_TEXT: Record<Direction, { transitive: (node: string) => string; direct: (node: string) => string; empty: string; noun: [string, string] }> = {
  dependents: {
    transitive: (node) => `Everything that depends on ${node}:`,
    direct: (node) => `Direct callers of ${node}:`,
    empty: '(nothing depends on it in the window)',
    noun: ['dependent', 'dependents'],
  },
  dependencies: {
    transitive: (node) => `Everything ${node} uses, directly and through others:`,
    direct: (node) => `What ${node} calls directly:`,
    empty: '(it uses nothing in the window)',
    noun: ['dependency', 'dependencies'],
  },
};

/** `report dependents` and `report dependencies`. */
export function reachView(direction: Direction, node: string, reached: Reached[], window: EvidenceWindow, transitive: boolean): View {
  const text = REACH_TEXT[direction];
  return {
    sections: [{ title: transitive ? text.transitive(node) : text.direct(node), head: ['NAME', 'HOPS', 'REQUESTS'], rows: reached.map((d) => [d.name, d.hops, d.requests]), empty: text.empty }],
    notes: [`${reached.length} ${text.noun[reached.length === 1 ? 0 : 1]}`, windowNote(window)],
  };
}

export function consumersView(r: ConsumersReport & { window: EvidenceWindow }, wide: boolean): View {
  return {
    sections: [
      {
        title: `Tools using ${r.service}:`,
        head: ['TOOL', 'DETAIL', 'REQUESTS', ...(wide ? ['FAILURES', 'SOURCE'] : [])],
        rows: r.consumers.map((c) => [c.tool, c.detail || '-', c.requests, ...(wide ? [c.failures, c.source] : [])]),
        empty: '(no caller in the window)',
      },
      {
        title: 'Per detail:',
        head: ['DETAIL', 'TOOLS', 'REQUESTS', ...(wide ? ['FAILURES'] : [])],
        rows: r.details.map((d) => [d.detail || '-', d.tools, d.requests, ...(wide ? [d.failures] : [])]),
        empty: '(none)',
      },
    ],
    notes: [windowNote(r.window)],
  };
}

export function groupsView(r: GroupsReport & { window: EvidenceWindow }, wide: boolean): View {
  return {
    sections: [
      {
        title: 'Groups of tools that call each other (move each group together):',
        head: ['GROUP', 'TOOLS', 'CYCLES', 'SPLIT', ...(wide ? ['INTERNAL', 'CROSSING', 'USES'] : []), 'MEMBERS'],
        rows: r.groups.map((g) => [
          g.id,
          g.tools.length,
          g.cycles.length === 0 ? '-' : g.cycles.map((c) => c.join(',')).join(' '),
          g.split ? 'yes' : 'no',
          ...(wide ? [g.internalRequests, g.crossingRequests, g.uses.join(',') || '-'] : []),
          g.tools.join(','),
        ]),
        empty: '(no two tools call each other in the window)',
      },
    ],
    notes: [
      `${r.standalone.length} tool${r.standalone.length === 1 ? '' : 's'} call no other tool and are called by none: ${r.standalone.join(', ') || '-'}`,
      `clusters above ${r.maxGroupSize} tools split by Louvain (seed ${r.seed}); shared services never join groups`,
      windowNote(r.window),
    ],
  };
}

export function hubsView(r: HubsReport & { window: EvidenceWindow }, wide: boolean): View {
  return {
    sections: [
      {
        title: 'Tools other tools depend on:',
        head: ['TOOL', 'DEPENDENTS', 'DIRECT', ...(wide ? ['TOOL-REQUESTS'] : []), 'END-USER-REQUESTS', 'QUIET'],
        rows: r.hubs.map((h) => [h.name, h.transitiveDependents, h.directDependents, ...(wide ? [h.toolRequests] : []), h.endUserRequests, h.quiet ? 'yes' : '-']),
        empty: '(no tool calls another tool in the window)',
      },
    ],
    notes: [`QUIET: fewer than ${r.quietBelowPerDay} end-user requests a day: it looks unused but others depend on it`, windowNote(r.window)],
  };
}

export function unusedView(r: UnusedReport, wide: boolean): View {
  return {
    sections: [
      {
        title: 'Tools with no edge in the window:',
        head: ['TOOL', 'STATUS', 'LAST-SEEN', ...(wide ? ['FIRST-SEEN', 'ACTIVE-DAYS', 'CADENCE-DAYS'] : []), 'WHY'],
        rows: r.tools.map((t) => [
          t.name,
          t.status,
          t.lastSeen.slice(0, 10),
          ...(wide ? [t.firstSeen.slice(0, 10), t.activeDays, t.cadenceDays ?? '-'] : []),
          t.reason,
        ]),
        empty: '(every tool seen in the history has an edge in the window)',
      },
    ],
    notes: [windowNote(r.window), `history: ${r.history.since} .. ${r.history.until} (recorded daily counts where kept, raw series otherwise)`],
  };
}
