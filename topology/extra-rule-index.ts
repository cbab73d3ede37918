import { applyRule, type Captures, type ExtraRule } from './extra-rules.js';
import type { ParsedHost } from './host.js';
import type { Destination, DestinationTarget } from './types.js';

/**
 * Extra rules compiled for lookup: exact names and suffixes in maps (one lookup per label, however
 * many rules), regex and CIDR rules tested in order. "First rule in the file wins" still holds:
 * candidates are tried by position.
 */
export interface ExtraRuleIndex {
  readonly rules: readonly ExtraRule[];
  readonly byHost: ReadonlyMap<string, readonly number[]>;
  readonly bySuffix: ReadonlyMap<string, readonly number[]>;
  readonly scanned: readonly number[];
}

export function indexExtraRules(rules: readonly ExtraRule[]): ExtraRuleIndex {
  const byHost = new Map<string, number[]>();
  const bySuffix = new Map<string, number[]>();
  const scanned: number[] = [];
  rules.forEach((rule, position) => {
    const map = rule.matcher === 'host' ? byHost : rule.matcher === 'hostSuffix' ? bySuffix : undefined;
    if (map && rule.name !== undefined) map.set(rule.name, [...(map.get(rule.name) ?? []), position]);
    else scanned.push(position);
  });
  return { rules, byHost, bySuffix, scanned };
}

interface Candidate {
  position: number;
  captures: Captures;
}

const NO_CAPTURES: Captures = Object.freeze({});
const WHOLE_NAME: Captures = Object.freeze({ rest: '' });

function collect(into: Candidate[] | undefined, positions: readonly number[] | undefined, captures: Captures): Candidate[] | undefined {
  if (positions === undefined) return into;
  const list = into ?? [];
  for (const position of positions) list.push({ position, captures });
  return list;
}

export function matchExtraRules(index: ExtraRuleIndex, host: ParsedHost, target: DestinationTarget): Destination | undefined {
  if (index.rules.length === 0) return undefined;
  const name = host.name;
  let candidates = collect(undefined, index.byHost.get(name), NO_CAPTURES);
  if (index.bySuffix.size > 0) {
    candidates = collect(candidates, index.bySuffix.get(name), WHOLE_NAME);
    if (host.ip === undefined) {
      for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
        const positions = index.bySuffix.get(name.slice(dot + 1));
        if (positions) candidates = collect(candidates, positions, { rest: name.slice(0, dot) });
      }
    }
  }
  for (const position of index.scanned) {
    const captures = index.rules[position]!.match!(host);
    if (captures) candidates = collect(candidates, [position], captures);
  }
  if (candidates === undefined) return undefined;
  if (candidates.length > 1) candidates.sort((a, b) => a.position - b.position);
  for (const { position, captures } of candidates) {
    const found = applyRule(index.rules[position]!, captures, host, target);
    if (found) return found;
  }
  return undefined;
}
