/** `report tool NAME`: what a node uses (per destination and detail) and who uses it. */
import type { DependencyGraph } from '../graph.js';
import { compare } from '../merge.js';
import type { EdgeDetail, EdgeSource, NodeKind } from '../model.js';

export interface Use {
  name: string;
  kind: NodeKind;
  requests: number;
  failures: number;
  source: EdgeSource;
  details: EdgeDetail[];
}

export interface ToolReport {
  tool: string;
  kind: NodeKind;
  /** Requests served to end users in the window. */
  endUserRequests: number;
  uses: Use[];
  usedBy: Use[];
}

const byRequests = (a: Use, b: Use) => b.requests - a.requests || compare(a.name, b.name);

export function toolReport(graph: DependencyGraph, tool: string): ToolReport {
  const uses: Use[] = [];
  const usedBy: Use[] = [];
  graph.forEachOutEdge(tool, (_edge, e, _source, target) => {
    uses.push({ name: target, kind: graph.getNodeAttribute(target, 'kind'), requests: e.requests, failures: e.failures, source: e.source, details: e.details });
  });
  graph.forEachInEdge(tool, (_edge, e, source) => {
    usedBy.push({ name: source, kind: graph.getNodeAttribute(source, 'kind'), requests: e.requests, failures: e.failures, source: e.source, details: e.details });
  });
  const node = graph.getNodeAttributes(tool);
  return { tool, kind: node.kind, endUserRequests: node.endUserRequests, uses: uses.sort(byRequests), usedBy: usedBy.sort(byRequests) };
}
