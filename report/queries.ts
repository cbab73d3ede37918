/**
 * Every PromQL the reports send, as pure functions of the window. A report sends a fixed
 * handful of these (never one per tool): four for the window's edges, three more for the
 * history `report unused` needs.
 */
import {
  AGENT_DEPENDENCIES,
  AGENT_DEPENDENCY_FAILURES,
  AGENT_LABELS,
  AGENT_SOURCE,
  DAILY_EDGE_REQUESTS,
  SERVICE_GRAPH_DETAIL_LABEL,
  SERVICE_GRAPH_FAILED_REQUESTS,
  SERVICE_GRAPH_REQUESTS,
  SOURCE_LABEL,
} from '../contract/dependency-series.js';

/** The preload's own service-graph series: the agent's copies under these names are counted from its own series. */
const preloadOnly = `{${SOURCE_LABEL}!="${AGENT_SOURCE}"}`;

/**
 * Counts per series grouped as given, rounded (increase() extrapolates), idle series dropped.
 * A series born inside the window (a new edge, a one-off job) starts at its first count, which
 * increase() cannot see: it needs two samples, and neither the service-graph connector nor the
 * agent writes an initial 0. Such series get their first value added back; "born" means absent
 * at the window's start, and its first value is taken as its lowest (a reset inside the window
 * before the first count would hide that count). (The small left extrapolation increase() may also give a born series
 * is at most one sample interval's worth: rounding hides it at the rates the reports see.)
 */
function counted(metric: string, by: string[], seconds: number): string {
  const range = `${metric}[${seconds}s]`;
  const born = `(min_over_time(${range}) unless ${metric} offset ${seconds}s)`;
  // A born series with a single sample has no increase() at all: its first value is its count.
  return `round(sum by (${by.join(', ')}) ((increase(${range}) + ${born}) or ${born} or increase(${range}))) > 0`;
}

/** `connection_type` tells the end-user virtual node (client "user") from a tool of that name. */
const SERVICE_GRAPH_BY = ['client', 'server', 'connection_type', SERVICE_GRAPH_DETAIL_LABEL];
const AGENT_BY = [AGENT_LABELS.tool, AGENT_LABELS.dependency, AGENT_LABELS.detail];

export interface WindowQueries {
  serviceGraphRequests: string;
  serviceGraphFailures: string;
  agentRequests: string;
  agentFailures: string;
}

export function windowQueries(seconds: number): WindowQueries {
  return {
    serviceGraphRequests: counted(SERVICE_GRAPH_REQUESTS + preloadOnly, SERVICE_GRAPH_BY, seconds),
    serviceGraphFailures: counted(SERVICE_GRAPH_FAILED_REQUESTS + preloadOnly, SERVICE_GRAPH_BY, seconds),
    agentRequests: counted(AGENT_DEPENDENCIES, AGENT_BY, seconds),
    agentFailures: counted(AGENT_DEPENDENCY_FAILURES, AGENT_BY, seconds),
  };
}

/**
 * One day's requests per client -> server edge at a subquery step: the recorded daily count
 * where the recording rules have it, else the same figure from the raw series (both sources,
 * the agent's labels renamed to client/server). `or` keeps the recorded value for an edge
 * that has both.
 */
function dailyEdgeRequests(): string {
  const recorded = `sum by (client, server) (last_over_time(${DAILY_EDGE_REQUESTS}[1h]))`;
  const agentAsEdge = `label_replace(label_replace(increase(${AGENT_DEPENDENCIES}[1d]), "client", "$1", "${AGENT_LABELS.tool}", "(.*)"), "server", "$1", "${AGENT_LABELS.dependency}", "(.*)")`;
  const raw = `sum by (client, server) (increase(${SERVICE_GRAPH_REQUESTS}${preloadOnly}[1d]) or ${agentAsEdge})`;
  return `((${recorded}) or (${raw})) >= 0.5`;
}

export interface HistoryQueries {
  /** Days with at least one request, per edge. */
  activeDays: string;
  /** Unix seconds of the first and of the last such day (the subquery step's time). */
  firstActive: string;
  lastActive: string;
}

/** Daily steps over `seconds` before the query time. */
export function historyQueries(seconds: number): HistoryQueries {
  const daily = dailyEdgeRequests();
  const over = `[${seconds}s:1d]`;
  return {
    activeDays: `count_over_time((${daily})${over})`,
    firstActive: `min_over_time(timestamp(${daily})${over})`,
    lastActive: `max_over_time(timestamp(${daily})${over})`,
  };
}
