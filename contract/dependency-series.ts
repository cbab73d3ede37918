/**
 * The series contract between what writes dependency counts (the collector's service-graph
 * connector for the preload's spans, the eBPF agent) and what reads them (the report, the
 * dashboards, the local UI). One list of names for all of them.
 */

/** Written by the collector's service-graph connector from spans (the preload's edges). */
export const SERVICE_GRAPH_REQUESTS = 'traces_service_graph_request_total';
export const SERVICE_GRAPH_FAILED_REQUESTS = 'traces_service_graph_request_failed_total';
/** The service-graph connector's per-edge detail dimension, as Prometheus names it. */
export const SERVICE_GRAPH_DETAIL_LABEL = 'client_toolforge_dependency_detail';

/**
 * The agent's edges, one series per (tool, dependency, detail, unit): every event counted,
 * failures included. Also what the existing Toolforge dashboards read.
 */
export const AGENT_DEPENDENCIES = 'toolforge_internal_dependencies_total';
/** The failed subset of AGENT_DEPENDENCIES (refused connects, HTTP 5xx where visible), same labels. */
export const AGENT_DEPENDENCY_FAILURES = 'toolforge_internal_dependency_failures_total';

/** Labels of the agent's series. */
export const AGENT_LABELS = {
  /** The client: a bare tool name (Toolforge), or the Cloud VPS client identity. */
  tool: 'tool',
  /** The destination node, named by topology/ exactly as the preload names it. */
  dependency: 'dependency',
  /** The destination's detail (wiki, database, host); empty when none. */
  detail: 'detail',
  /** What one count is. */
  unit: 'unit',
} as const;

/** What one count of an agent series stands for. */
export const AGENT_UNITS = ['request', 'query', 'command', 'connection', 'open'] as const;
export type AgentUnit = (typeof AGENT_UNITS)[number];

/**
 * Agent series copied under the service-graph names (so Grafana's Tempo service graph shows
 * them) carry this label; the preload's never do. Readers that merge both sources take the
 * agent's counts from AGENT_DEPENDENCIES only and drop service-graph series with this label,
 * so no edge is counted twice.
 */
export const SOURCE_LABEL = 'source';
export const AGENT_SOURCE = 'toolforge-agent';

/**
 * Recorded by the chart's recording rules (charts/toolforge-tracing/rules/dependency-history.yaml):
 * requests per client -> server edge over the 24 h before each evaluation (hourly), one
 * series per edge and source (label `source`: preload or agent). Small enough to keep far
 * longer than the raw series; `report unused` reads it for first/last seen and cadence.
 */
export const DAILY_EDGE_REQUESTS = 'toolforge_tracing:dependency_requests:increase1d';
