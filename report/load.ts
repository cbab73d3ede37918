/** Reads the window's edges from Prometheus (four instant queries) into DependencyData. */
import { ReportError } from './errors.js';
import { mergeSamples } from './merge.js';
import type { DependencyData } from './model.js';
import type { PrometheusClient } from './prometheus.js';
import { windowQueries } from './queries.js';
import { evidenceWindow, type Window } from './window.js';

export async function loadDependencies(prometheus: PrometheusClient, window: Window): Promise<DependencyData> {
  const q = windowQueries(window.seconds);
  const [serviceGraphRequests, serviceGraphFailures, agentRequests, agentFailures] = await Promise.all([
    prometheus.query(q.serviceGraphRequests, window.until),
    prometheus.query(q.serviceGraphFailures, window.until),
    prometheus.query(q.agentRequests, window.until),
    prometheus.query(q.agentFailures, window.until),
  ]);
  const data = mergeSamples({ serviceGraphRequests, serviceGraphFailures, agentRequests, agentFailures }, evidenceWindow(window));
  if (data.nodes.length === 0) {
    throw new ReportError(
      `no dependency counts in ${prometheus.url} between ${window.since.toISOString()} and ${window.until.toISOString()}: ` +
        'neither the service graph nor the agent recorded a request there (is the window right? does the collector write to this Prometheus?)',
    );
  }
  return data;
}
