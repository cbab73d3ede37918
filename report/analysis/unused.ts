/**
 * `report unused`: tools with no edge at all in the window (no call made, none received,
 * no end-user request), each judged against its own observed cadence. A tool seen every
 * day that went quiet for a week is unused; a monthly job quiet for a week is unknown, as
 * is a tool seen on one day only: the window cannot tell.
 */
import type { DependencyGraph } from '../graph.js';
import type { History } from '../history.js';
import { compare, END_USER_CLIENT } from '../merge.js';
import type { EvidenceWindow } from '../model.js';
import { kindOfNodeName } from '../../topology/index.js';

export type UnusedStatus = 'unused' | 'unknown';

export interface UnusedTool {
  name: string;
  status: UnusedStatus;
  firstSeen: string;
  lastSeen: string;
  /** Days with any edge of this tool in the history (its busiest edge). */
  activeDays: number;
  /** Mean days between active days of its most regular edge; null when seen on one day only. */
  cadenceDays: number | null;
  reason: string;
}

export interface UnusedReport {
  window: EvidenceWindow;
  history: EvidenceWindow;
  tools: UnusedTool[];
}

const DAY = 86_400;

interface Seen {
  first: number;
  last: number;
  activeDays: number;
  cadence: number | null;
}

export function unusedReport(graph: DependencyGraph, history: History, window: EvidenceWindow): UnusedReport {
  const windowDays = (Date.parse(window.until) - Date.parse(window.since)) / 1000 / DAY;
  const seen = new Map<string, Seen>();
  for (const edge of history.edges) {
    const cadence = edge.activeDays >= 2 ? (edge.last - edge.first) / DAY / (edge.activeDays - 1) : null;
    for (const end of [edge.client, edge.server]) {
      if (end === END_USER_CLIENT && end === edge.client) continue;
      if (kindOfNodeName(end) !== 'tool') continue;
      const s = seen.get(end);
      if (!s) {
        seen.set(end, { first: edge.first, last: edge.last, activeDays: edge.activeDays, cadence });
        continue;
      }
      s.first = Math.min(s.first, edge.first);
      s.last = Math.max(s.last, edge.last);
      s.activeDays = Math.max(s.activeDays, edge.activeDays);
      if (cadence !== null && (s.cadence === null || cadence < s.cadence)) s.cadence = cadence;
    }
  }

  const tools: UnusedTool[] = [];
  for (const [name, s] of seen) {
    if (activeInWindow(graph, name)) continue;
    const cadenceDays = s.cadence === null ? null : Math.round(s.cadence * 10) / 10;
    const lastSeen = new Date(s.last * 1000).toISOString();
    let status: UnusedStatus;
    let reason: string;
    if (cadenceDays === null) {
      status = 'unknown';
      reason = `seen on one day only (${lastSeen.slice(0, 10)}): no cadence to judge a ${formatDays(windowDays)} window by`;
    } else if (s.cadence! <= windowDays) {
      status = 'unused';
      reason = `seen about every ${formatDays(cadenceDays)} until ${lastSeen.slice(0, 10)}, nothing in ${formatDays(windowDays)}`;
    } else {
      status = 'unknown';
      reason = `seen about every ${formatDays(cadenceDays)}: longer than the ${formatDays(windowDays)} window; last ${lastSeen.slice(0, 10)}`;
    }
    tools.push({ name, status, firstSeen: new Date(s.first * 1000).toISOString(), lastSeen, activeDays: s.activeDays, cadenceDays, reason });
  }
  tools.sort((a, b) => compare(a.status === 'unused' ? '0' : '1', b.status === 'unused' ? '0' : '1') || compare(a.name, b.name));
  return { window, history: { since: history.since.toISOString(), until: history.until.toISOString() }, tools };
}

function activeInWindow(graph: DependencyGraph, tool: string): boolean {
  return graph.hasNode(tool) && (graph.degree(tool) > 0 || graph.getNodeAttribute(tool, 'endUserRequests') > 0);
}

function formatDays(days: number): string {
  return `${Number.isInteger(days) ? days : days.toFixed(1)}d`;
}
