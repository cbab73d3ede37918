/**
 * When each edge was active over a long lookback, read from the recording rules' daily
 * counts where present and from the raw series otherwise (three instant queries with daily
 * subqueries; see queries.ts). What `report unused` needs to tell "unused" from "too rare
 * for this window".
 */
import type { PrometheusClient, Sample } from './prometheus.js';
import { historyQueries } from './queries.js';

export interface EdgeHistory {
  client: string;
  server: string;
  activeDays: number;
  /** Unix seconds of the start of the first and of the last active day (UTC days). */
  first: number;
  last: number;
}

export interface History {
  since: Date;
  until: Date;
  edges: EdgeHistory[];
}

const keyOf = (m: Record<string, string>) => `${m.client ?? ''}\n${m.server ?? ''}`;

export async function loadHistory(prometheus: PrometheusClient, until: Date, seconds: number): Promise<History> {
  const q = historyQueries(seconds);
  const [days, first, last] = await Promise.all([
    prometheus.query(q.activeDays, until),
    prometheus.query(q.firstActive, until),
    prometheus.query(q.lastActive, until),
  ]);
  return { since: new Date(until.getTime() - seconds * 1000), until, edges: joinHistory(days, first, last) };
}

const DAY = 86_400;

/** A subquery step at midnight counts the 24 h before it: the day it stands for began a day earlier. */
export function joinHistory(days: Sample[], first: Sample[], last: Sample[]): EdgeHistory[] {
  const firstOf = new Map(first.map((s) => [keyOf(s.metric), s.value - DAY]));
  const lastOf = new Map(last.map((s) => [keyOf(s.metric), s.value - DAY]));
  return days
    .filter((s) => s.metric.client && s.metric.server && firstOf.has(keyOf(s.metric)) && lastOf.has(keyOf(s.metric)))
    .map((s) => ({ client: s.metric.client!, server: s.metric.server!, activeDays: s.value, first: firstOf.get(keyOf(s.metric))!, last: lastOf.get(keyOf(s.metric))! }));
}
