/**
 * Prometheus exposition (`--metrics-listen`): the edges under the contract's names, the
 * same edges under the service-graph names (source="toolforge-agent", so Grafana's Tempo
 * service graph draws them and readers can drop them), and the agent's health.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import {
  AGENT_DEPENDENCIES,
  AGENT_DEPENDENCY_FAILURES,
  AGENT_LABELS,
  AGENT_SOURCE,
  SERVICE_GRAPH_DETAIL_LABEL,
  SERVICE_GRAPH_FAILED_REQUESTS,
  SERVICE_GRAPH_REQUESTS,
  SOURCE_LABEL,
} from '../contract/dependency-series.js';
import type { DependencyCounts, EdgeCount } from './dependency-counts.js';
import type { Health } from './health.js';

export const CLIENT_DETAIL_LABEL = 'client_detail';

/** Contract labels of an edge (+ client_detail on Cloud VPS). */
export function edgeLabels(edge: EdgeCount): Record<string, string> {
  const labels: Record<string, string> = {
    [AGENT_LABELS.tool]: edge.labels.tool,
    [AGENT_LABELS.dependency]: edge.labels.dependency,
    [AGENT_LABELS.detail]: edge.labels.detail,
    [AGENT_LABELS.unit]: edge.labels.unit,
  };
  if (edge.labels.clientDetail !== undefined) labels[CLIENT_DETAIL_LABEL] = edge.labels.clientDetail;
  return labels;
}

/** Service-graph copies: one series per client, server and detail, summed over units. */
export function serviceGraphEdges(edges: Iterable<EdgeCount>): Array<{ labels: Record<string, string>; total: number; failed: number }> {
  const sums = new Map<string, { labels: Record<string, string>; total: number; failed: number }>();
  for (const edge of edges) {
    const labels = { client: edge.labels.tool, server: edge.labels.dependency, [SERVICE_GRAPH_DETAIL_LABEL]: edge.labels.detail, [SOURCE_LABEL]: AGENT_SOURCE };
    const id = JSON.stringify(Object.values(labels));
    const sum = sums.get(id) ?? { labels, total: 0, failed: 0 };
    sum.total += edge.total;
    sum.failed += edge.failed;
    sums.set(id, sum);
  }
  return [...sums.values()];
}

export const HEALTH_METRICS = {
  probesAttached: 'toolforge_agent_probes_attached',
  librariesAttached: 'toolforge_agent_libraries_attached',
  eventsLost: 'toolforge_agent_events_lost_total',
  mapOverflow: 'toolforge_agent_map_overflow_total',
  mapFull: 'toolforge_agent_map_full',
  restarts: 'toolforge_agent_bpftrace_restarts_total',
  undecodableKeys: 'toolforge_agent_undecodable_keys_total',
  unattributed: 'toolforge_agent_unattributed_events_total',
  running: 'toolforge_agent_bpftrace_running',
} as const;

export function createRegistry(counts: DependencyCounts, health: Health): Registry {
  const registry = new Registry();
  const edgeLabelNames = [...Object.values(AGENT_LABELS), CLIENT_DETAIL_LABEL];
  const graphLabelNames = ['client', 'server', SERVICE_GRAPH_DETAIL_LABEL, SOURCE_LABEL];
  // prom-client keeps its own values; these read ours at every scrape.
  const fromCounts = (pick: (e: { total: number; failed: number }) => number, graph: boolean) =>
    function (this: Counter) {
      this.reset();
      const rows = graph ? serviceGraphEdges(counts.all()) : [...counts.all()].map((e) => ({ labels: edgeLabels(e), total: e.total, failed: e.failed }));
      for (const row of rows) this.labels(row.labels).inc(pick(row));
    };
  new Counter({ name: AGENT_DEPENDENCIES, help: 'Dependency events seen by the eBPF agent (all, failures included)', labelNames: edgeLabelNames, registers: [registry], collect: fromCounts((e) => e.total, false) });
  new Counter({ name: AGENT_DEPENDENCY_FAILURES, help: 'Failed dependency events seen by the eBPF agent', labelNames: edgeLabelNames, registers: [registry], collect: fromCounts((e) => e.failed, false) });
  new Counter({ name: SERVICE_GRAPH_REQUESTS, help: 'The agent edges under the service-graph name (source="toolforge-agent")', labelNames: graphLabelNames, registers: [registry], collect: fromCounts((e) => e.total, true) });
  new Counter({ name: SERVICE_GRAPH_FAILED_REQUESTS, help: 'The agent failures under the service-graph name (source="toolforge-agent")', labelNames: graphLabelNames, registers: [registry], collect: fromCounts((e) => e.failed, true) });

  const gaugeOf = (name: string, help: string, labelNames: string[], read: (g: Gauge) => void) =>
    new Gauge({ name, help, labelNames, registers: [registry], collect() { this.reset(); read(this); } });
  const counterOf = (name: string, help: string, labelNames: string[], read: (c: Counter) => void) =>
    new Counter({ name, help, labelNames, registers: [registry], collect() { this.reset(); read(this); } });
  gaugeOf(HEALTH_METRICS.probesAttached, 'Probe group attached (1) or not (0)', ['probe'], (g) => { for (const [probe, v] of health.probesAttached) g.labels({ probe }).set(v); });
  gaugeOf(HEALTH_METRICS.librariesAttached, 'Library files (libc, libssl) with uprobes attached', [], (g) => g.set(health.librariesAttached));
  gaugeOf(HEALTH_METRICS.mapFull, 'Count map refusing new keys since the last bpftrace start', ['map'], (g) => { for (const [map, v] of health.mapFull) g.labels({ map }).set(v); });
  gaugeOf(HEALTH_METRICS.running, 'bpftrace running', [], (g) => g.set(health.running));
  counterOf(HEALTH_METRICS.eventsLost, 'Events the kernel could not pass to bpftrace', [], (c) => c.inc(health.eventsLost));
  counterOf(HEALTH_METRICS.mapOverflow, 'Events not counted because their map was full', ['map'], (c) => { for (const [map, v] of health.mapOverflow) c.labels({ map }).inc(v); });
  counterOf(HEALTH_METRICS.restarts, 'bpftrace restarts after it exited or was killed', [], (c) => c.inc(health.restarts));
  counterOf(HEALTH_METRICS.undecodableKeys, 'Map keys that did not fit their layout', [], (c) => c.inc(health.undecodableKeys));
  counterOf(HEALTH_METRICS.unattributed, 'Events of a uid that is no tool (not counted as edges)', ['reason'], (c) => { for (const [reason, v] of health.unattributed) c.labels({ reason }).inc(v); });
  return registry;
}

/** Serves GET /metrics on host:port; resolves with the bound port. */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) => response.writeHead(500).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : port };
}
