/** What a client knows about where a call goes. */
export interface DestinationTarget {
  /** The name as the client knew it: URL host, Host header, TLS SNI or connect target; may be an IP, may carry a port. */
  host?: string;
  port?: number;
  /** URL path (HTTP) — only consulted for the few services that are addressed by path. */
  path?: string;
  /** OpenTelemetry `db.system` (mysql, redis, ...). */
  dbSystem?: string;
  /** Database name (`db.name` / `db.namespace`). */
  dbName?: string;
}

export type DestinationKind = 'tool' | 'service' | 'external';

/** A node of the dependency graph, plus the detail that travels as an attribute. */
export interface Destination {
  /** A tool's bare name when kind is 'tool'; otherwise a reserved name containing ':' (never a tool name). */
  node: string;
  kind: DestinationKind;
  /** Per-wiki / per-database / per-host detail; bounded in cardinality. */
  detail?: string;
}
