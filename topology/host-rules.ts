import type { ParsedHost } from './host.js';
import type { Destination, DestinationTarget } from './types.js';

export interface HostQuery {
  host: ParsedHost;
  target: DestinationTarget;
}

/** Names a destination from the part of the host before the matched suffix (`rest`, '' for an exact match); undefined = try a shorter suffix. */
export type HostHandler = (rest: string, query: HostQuery) => Destination | undefined;

export interface RuleGroup {
  exact?: Record<string, HostHandler>;
  suffixes?: Record<string, HostHandler>;
}

/** Built-in host rules compiled once per profile: two maps, looked up label by label. */
export interface HostRules {
  readonly exact: ReadonlyMap<string, HostHandler>;
  readonly suffixes: ReadonlyMap<string, HostHandler>;
}

/** Later groups override earlier ones for the same name (a profile's own domains over the shared defaults). */
export function compileHostRules(groups: readonly RuleGroup[]): HostRules {
  const exact = new Map<string, HostHandler>();
  const suffixes = new Map<string, HostHandler>();
  for (const group of groups) {
    for (const [name, handler] of Object.entries(group.exact ?? {})) exact.set(name, handler);
    for (const [name, handler] of Object.entries(group.suffixes ?? {})) suffixes.set(name, handler);
  }
  return { exact, suffixes };
}

/** Exact name first, then suffixes from the longest (most specific) to the shortest. */
export function matchHostRules(rules: HostRules, query: HostQuery): Destination | undefined {
  const name = query.host.name;
  const exact = rules.exact.get(name);
  if (exact) {
    const found = exact('', query);
    if (found) return found;
  }
  for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
    const handler = rules.suffixes.get(name.slice(dot + 1));
    if (handler) {
      const found = handler(name.slice(0, dot), query);
      if (found) return found;
    }
  }
  return undefined;
}

export function service(node: string, detail?: string): Destination {
  return detail === undefined ? { node, kind: 'service' } : { node, kind: 'service', detail };
}

/** A handler that always names the same service, with no detail. */
export function fixed(node: string): HostHandler {
  return () => ({ node, kind: 'service' });
}
