/**
 * OTLP/HTTP (protobuf) metrics to a collector: the same edges, service-graph copies and
 * health series as the exposition, cumulative, exported every interval and once more at
 * shutdown. The collector's Prometheus exporters turn the names into the contract's.
 */
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { ObservableResult } from '@opentelemetry/api';
import {
  AGENT_DEPENDENCIES,
  AGENT_DEPENDENCY_FAILURES,
  SERVICE_GRAPH_FAILED_REQUESTS,
  SERVICE_GRAPH_REQUESTS,
} from '../contract/dependency-series.js';
import type { DependencyCounts } from './dependency-counts.js';
import { edgeLabels, HEALTH_METRICS, serviceGraphEdges } from './exposition.js';
import type { Health } from './health.js';

/** OTLP carries names without the Prometheus `_total` suffix; the collector adds it back. */
const withoutTotal = (name: string): string => name.replace(/_total$/, '');

export interface OtlpExport {
  shutdown(): Promise<void>;
}

/**
 * Which agent this is, so that two nodes' counts of one edge stay two series: the node name
 * the DaemonSet passes (downward API spec.nodeName in `K8S_NODE_NAME`), else the host name.
 * The remote-write exporters turn service.instance.id into the `instance` label.
 */
export function instanceId(env: NodeJS.ProcessEnv, hostName: string): string {
  const node = env.K8S_NODE_NAME?.trim();
  return node !== undefined && node !== '' ? node : hostName;
}

export function startOtlpExport(options: { endpoint: string; intervalSeconds: number; counts: DependencyCounts; health: Health; hostName: string; instanceId: string }): OtlpExport {
  const url = `${options.endpoint.replace(/\/+$/, '')}/v1/metrics`;
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url, temporalityPreference: AggregationTemporality.CUMULATIVE }),
    exportIntervalMillis: options.intervalSeconds * 1000,
    exportTimeoutMillis: Math.min(options.intervalSeconds * 1000, 10_000),
  });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'toolforge-tracing-agent', 'service.instance.id': options.instanceId, 'host.name': options.hostName }),
    readers: [reader],
  });
  const meter = provider.getMeter('toolforge-tracing-agent');
  const { counts, health } = options;

  const edges = (pick: 'total' | 'failed') => (result: ObservableResult) => {
    for (const edge of counts.all()) result.observe(edge[pick], edgeLabels(edge));
  };
  const graph = (pick: 'total' | 'failed') => (result: ObservableResult) => {
    for (const edge of serviceGraphEdges(counts.all())) result.observe(edge[pick], edge.labels);
  };
  meter.createObservableCounter(withoutTotal(AGENT_DEPENDENCIES)).addCallback(edges('total'));
  meter.createObservableCounter(withoutTotal(AGENT_DEPENDENCY_FAILURES)).addCallback(edges('failed'));
  meter.createObservableCounter(withoutTotal(SERVICE_GRAPH_REQUESTS)).addCallback(graph('total'));
  meter.createObservableCounter(withoutTotal(SERVICE_GRAPH_FAILED_REQUESTS)).addCallback(graph('failed'));
  meter.createObservableGauge(HEALTH_METRICS.probesAttached).addCallback((r) => {
    for (const [probe, v] of health.probesAttached) r.observe(v, { probe });
  });
  meter.createObservableCounter(withoutTotal(HEALTH_METRICS.eventsLost)).addCallback((r) => r.observe(health.eventsLost));
  meter.createObservableCounter(withoutTotal(HEALTH_METRICS.restarts)).addCallback((r) => r.observe(health.restarts));
  meter.createObservableCounter(withoutTotal(HEALTH_METRICS.mapOverflow)).addCallback((r) => {
    for (const [map, v] of health.mapOverflow) r.observe(v, { map });
  });

  return {
    shutdown: async () => {
      await provider.forceFlush().catch(() => undefined);
      await provider.shutdown().catch(() => undefined);
    },
  };
}
