import type { DependencyData } from '../../report/model.js';
import type { MetricFamily, Series } from './prometheus-backfill.js';

/**
 * DependencyData written back as the series the pipeline stores (for promtool backfill): the
 * preload's edges as service-graph counters (`failed` label, `_failed_total`), the agent's as
 * its own counters, an edge seen by both split half and half (the report sums the sides).
 * Every counter starts at 0 at `from` and grows evenly to its count at `to`, one sample
 * every `stepSeconds`.
 */
export function dependencyFamilies(data: DependencyData, options: { from: number; to: number; stepSeconds: number }): MetricFamily[] {
  const times: number[] = [];
  for (let t = options.from; t < options.to; t += options.stepSeconds) times.push(t);
  times.push(options.to);
  const counter = (total: number): Array<[number, number]> => times.map((t) => [t, Math.round((total * (t - options.from)) / (options.to - options.from))]);

  const sgRequests: Series[] = [];
  const sgFailed: Series[] = [];
  const agentRequests: Series[] = [];
  const agentFailures: Series[] = [];
  for (const edge of data.edges) {
    for (const d of edge.details) {
      const preloadShare = edge.source === 'preload' ? 1 : edge.source === 'agent' ? 0 : 0.5;
      const preloadRequests = Math.round(d.requests * preloadShare);
      const preloadFailures = Math.round(d.failures * preloadShare);
      if (preloadRequests > 0) {
        const labels = { client: edge.client, server: edge.server, connection_type: '', client_toolforge_dependency_detail: d.detail };
        sgRequests.push({ labels: { ...labels, failed: 'false' }, samples: counter(preloadRequests - preloadFailures) });
        if (preloadFailures > 0) {
          sgRequests.push({ labels: { ...labels, failed: 'true' }, samples: counter(preloadFailures) });
          sgFailed.push({ labels: { ...labels, failed: 'true' }, samples: counter(preloadFailures) });
        }
      }
      if (d.requests - preloadRequests > 0) {
        const labels = { tool: edge.client, dependency: edge.server, detail: d.detail, unit: 'connection' };
        agentRequests.push({ labels, samples: counter(d.requests - preloadRequests) });
        if (d.failures - preloadFailures > 0) agentFailures.push({ labels, samples: counter(d.failures - preloadFailures) });
      }
    }
  }
  return [
    { name: 'traces_service_graph_request_total', type: 'counter', series: sgRequests },
    { name: 'traces_service_graph_request_failed_total', type: 'counter', series: sgFailed },
    { name: 'toolforge_internal_dependencies_total', type: 'counter', series: agentRequests },
    { name: 'toolforge_internal_dependency_failures_total', type: 'counter', series: agentFailures },
  ];
}
