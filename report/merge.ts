/**
 * The preload's service-graph counts and the agent's counts as one DependencyData, with no
 * event counted twice: the service-graph side holds only the preload's own series (the
 * agent's copies under those names are filtered out in the query), the agent never counts a
 * process that runs the preload (agent docs), so the two sides count different events and
 * are summed per client, server and detail. Each edge says which side saw it.
 */
import { AGENT_LABELS, SERVICE_GRAPH_DETAIL_LABEL } from '../contract/dependency-series.js';
import { kindOfNodeName } from '../topology/index.js';
import type { DependencyData, DependencyEdge, DependencyNode, EdgeSource, EvidenceWindow } from './model.js';
import type { Sample } from './prometheus.js';

export interface WindowSamples {
  serviceGraphRequests: Sample[];
  serviceGraphFailures: Sample[];
  agentRequests: Sample[];
  agentFailures: Sample[];
}

/** The service graph's name for requests that arrived with no calling span: end users. */
export const END_USER_CLIENT = 'user';

interface Counts {
  preload: number;
  agent: number;
  failures: number;
}

const isEndUser = (metric: Record<string, string>) => metric.client === END_USER_CLIENT && metric.connection_type === 'virtual_node';

export function mergeSamples(samples: WindowSamples, window: EvidenceWindow): DependencyData {
  // client -> server -> detail -> counts
  const edges = new Map<string, Map<string, Map<string, Counts>>>();
  const endUser = new Map<string, number>();
  const names = new Set<string>();

  const countsOf = (client: string, server: string, detail: string): Counts => {
    names.add(client).add(server);
    let byServer = edges.get(client);
    if (!byServer) edges.set(client, (byServer = new Map()));
    let byDetail = byServer.get(server);
    if (!byDetail) byServer.set(server, (byDetail = new Map()));
    let counts = byDetail.get(detail);
    if (!counts) byDetail.set(detail, (counts = { preload: 0, agent: 0, failures: 0 }));
    return counts;
  };

  for (const { metric, value } of samples.serviceGraphRequests) {
    if (isEndUser(metric)) {
      names.add(metric.server ?? '');
      endUser.set(metric.server ?? '', (endUser.get(metric.server ?? '') ?? 0) + value);
    } else {
      countsOf(metric.client ?? '', metric.server ?? '', metric[SERVICE_GRAPH_DETAIL_LABEL] ?? '').preload += value;
    }
  }
  for (const { metric, value } of samples.serviceGraphFailures) {
    if (!isEndUser(metric)) countsOf(metric.client ?? '', metric.server ?? '', metric[SERVICE_GRAPH_DETAIL_LABEL] ?? '').failures += value;
  }
  // A tool the agent sees (Python, PHP, ...) sends no trace context: the preloaded tool it calls
  // records those requests as the service graph's end users. They are the agent's edges instead.
  const agentCallsInto = new Map<string, number>();
  for (const { metric, value } of samples.agentRequests) {
    const server = metric[AGENT_LABELS.dependency] ?? '';
    countsOf(metric[AGENT_LABELS.tool] ?? '', server, metric[AGENT_LABELS.detail] ?? '').agent += value;
    agentCallsInto.set(server, (agentCallsInto.get(server) ?? 0) + value);
  }
  for (const { metric, value } of samples.agentFailures) {
    countsOf(metric[AGENT_LABELS.tool] ?? '', metric[AGENT_LABELS.dependency] ?? '', metric[AGENT_LABELS.detail] ?? '').failures += value;
  }
  names.delete('');

  const merged: DependencyEdge[] = [];
  for (const [client, byServer] of edges) {
    for (const [server, byDetail] of byServer) {
      if (client === '' || server === '') continue;
      let preload = 0;
      let agent = 0;
      const details = [...byDetail].map(([detail, c]) => {
        preload += c.preload;
        agent += c.agent;
        return { detail, requests: c.preload + c.agent, failures: c.failures };
      });
      // Failures rounded up from a sliver of a window with requests rounded down: not an edge.
      if (preload + agent === 0) continue;
      details.sort((a, b) => b.requests - a.requests || compare(a.detail, b.detail));
      merged.push({
        client,
        server,
        requests: preload + agent,
        failures: details.reduce((sum, d) => sum + d.failures, 0),
        source: sourceOf(preload, agent),
        details,
      });
    }
  }
  merged.sort((a, b) => compare(a.client, b.client) || compare(a.server, b.server));

  const nodes: DependencyNode[] = [...names].sort(compare).map((name) => {
    const node: DependencyNode = { name, kind: kindOfNodeName(name) };
    const users = endUser.get(name);
    if (users !== undefined) node.endUserRequests = Math.max(0, users - (agentCallsInto.get(name) ?? 0));
    return node;
  });
  return { window, nodes, edges: merged };
}

function sourceOf(preload: number, agent: number): EdgeSource {
  if (preload > 0 && agent > 0) return 'both';
  return preload > 0 ? 'preload' : 'agent';
}

/** Code-unit order: the same in every locale, so outputs and golden files are stable. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
