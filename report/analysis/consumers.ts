/** `report consumers SERVICE`: who uses a shared service, one row per tool and detail, ranked by requests. */
import type { DependencyGraph } from '../graph.js';
import { compare } from '../merge.js';
import type { EdgeSource } from '../model.js';

export interface Consumer {
  tool: string;
  /** Which wiki, database or host; '' when the service has no detail. */
  detail: string;
  requests: number;
  failures: number;
  source: EdgeSource;
}

export interface DetailTotal {
  detail: string;
  tools: number;
  requests: number;
  failures: number;
}

export interface ConsumersReport {
  service: string;
  consumers: Consumer[];
  /** The same rows summed per detail: which wikis or databases matter most. */
  details: DetailTotal[];
}

export function consumersReport(graph: DependencyGraph, service: string): ConsumersReport {
  const consumers: Consumer[] = [];
  const totals = new Map<string, DetailTotal>();
  graph.forEachInEdge(service, (_edge, e, client) => {
    for (const d of e.details) {
      consumers.push({ tool: client, detail: d.detail, requests: d.requests, failures: d.failures, source: e.source });
      let total = totals.get(d.detail);
      if (!total) totals.set(d.detail, (total = { detail: d.detail, tools: 0, requests: 0, failures: 0 }));
      total.tools++;
      total.requests += d.requests;
      total.failures += d.failures;
    }
  });
  consumers.sort((a, b) => b.requests - a.requests || compare(a.tool, b.tool) || compare(a.detail, b.detail));
  const details = [...totals.values()].sort((a, b) => b.requests - a.requests || compare(a.detail, b.detail));
  return { service, consumers, details };
}
