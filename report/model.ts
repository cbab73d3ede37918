/**
 * The dependency graph as every part of report/ sees it: what the queries produce, what the
 * analyses, the CLI outputs, the HTML map and the local UI read. Plain data (JSON-safe), so
 * the same value can be embedded in the map and served by the local UI.
 */
import type { DestinationKind } from '../topology/index.js';

/** A tool (bare name), a shared service (reserved `<realm>:<name>`), or something outside: topology's kinds. */
export type NodeKind = DestinationKind;

/** Which source saw an edge: the preload's spans (service graph), the eBPF agent, or both. */
export type EdgeSource = 'preload' | 'agent' | 'both';

/** Counts of one edge for one detail value (a wiki, a database, a host; '' when none). */
export interface EdgeDetail {
  detail: string;
  requests: number;
  failures: number;
}

/** One client -> server edge over the window, all details summed. */
export interface DependencyEdge {
  client: string;
  server: string;
  requests: number;
  failures: number;
  source: EdgeSource;
  /** Sorted by requests, descending. */
  details: EdgeDetail[];
}

export interface DependencyNode {
  name: string;
  kind: NodeKind;
  /**
   * Requests this node served to end users over the window: the service graph's
   * `client="user"` edges, which are not dependencies and so are not in `edges`.
   * Absent when the data has none for this node.
   */
  endUserRequests?: number;
}

/** The evidence window the data covers, as ISO-8601 instants. */
export interface EvidenceWindow {
  since: string;
  until: string;
}

export interface DependencyData {
  window: EvidenceWindow;
  nodes: DependencyNode[];
  edges: DependencyEdge[];
}
