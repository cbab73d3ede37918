import { parseHost, type ParsedHost } from './host.js';
import { inRange, parseIpRange } from './ip-address.js';
import { isReservedNodeName } from './reserved-nodes.js';
import { compileTemplate, renderTemplate, type Template } from './template.js';
import { isValidToolName } from './tool-name.js';
import type { Destination, DestinationKind, DestinationTarget } from './types.js';

/**
 * Extra rules from a config file (already parsed by the caller), e.g. in YAML:
 *
 *   rules:
 *     - hostSuffix: example.wmcloud.org
 *       node: cloudvps:example
 *       detail: "{host}"
 *     - cidr: 172.16.0.0/21
 *       node: "local:eqiad1-vm"
 *       kind: external
 *       detail: "{host}"
 *
 * Exactly one matcher per rule: `host` (exact name or IP), `hostSuffix`, `hostRegex`, `cidr`.
 * The first matching rule wins, before any built-in rule.
 */
export interface ExtraRuleConfig {
  host?: string;
  hostSuffix?: string;
  hostRegex?: string;
  cidr?: string;
  node: string;
  kind?: DestinationKind;
  detail?: string;
}

export type Captures = Record<string, string | undefined>;

type MatcherKey = 'host' | 'hostSuffix' | 'hostRegex' | 'cidr';

export interface ExtraRule {
  /** Position in the config list, for messages. */
  readonly index: number;
  readonly config: Readonly<ExtraRuleConfig>;
  readonly matcher: MatcherKey;
  /** `host` and `hostSuffix`: the normalized name, looked up in a map (see extra-rule-index.ts). */
  readonly name?: string;
  /** `hostRegex` and `cidr`: tested one by one. */
  readonly match?: (host: ParsedHost) => Captures | undefined;
  readonly node: Template;
  readonly kind: DestinationKind;
  readonly detail?: Template;
}

export class TopologyConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid topology rules: ${problems.join('; ')}`);
    this.name = 'TopologyConfigError';
  }
}

/** A rule's matcher fields: each rule has exactly one. */
export const RULE_MATCHERS: readonly MatcherKey[] = ['host', 'hostSuffix', 'hostRegex', 'cidr'];
const FIELDS = new Set<string>([...RULE_MATCHERS, 'node', 'kind', 'detail']);
export const RULE_KINDS: readonly DestinationKind[] = ['tool', 'service', 'external'];
const COMMON_PLACEHOLDERS = ['host', 'label', 'port', 'dbName', 'dbSystem'];

/**
 * Validates a config object (`{ rules: [...] }` or the list itself; null/undefined = no rules)
 * into compiled rules. Throws TopologyConfigError naming every offending rule index and field.
 */
export function rulesFromConfig(config: unknown): ExtraRule[] {
  if (config === null || config === undefined) return [];
  let list: unknown;
  if (Array.isArray(config)) {
    list = config;
  } else if (typeof config === 'object') {
    const unknownKeys = Object.keys(config).filter((key) => key !== 'rules');
    if (unknownKeys.length > 0) {
      throw new TopologyConfigError([`unknown field ${quote(unknownKeys[0])} (expected only "rules")`]);
    }
    list = (config as { rules?: unknown }).rules ?? [];
  } else {
    throw new TopologyConfigError([`expected an object with a "rules" list, got ${describe(config)}`]);
  }
  if (!Array.isArray(list)) throw new TopologyConfigError([`rules: expected a list, got ${describe(list)}`]);
  const problems: string[] = [];
  const rules: ExtraRule[] = [];
  list.forEach((entry, index) => {
    const rule = compileRule(entry, index, problems);
    if (rule) rules.push(rule);
  });
  if (problems.length > 0) throw new TopologyConfigError(problems);
  return rules;
}

function compileRule(entry: unknown, index: number, problems: string[]): ExtraRule | undefined {
  const at = `rules[${index}]`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
    problems.push(`${at}: expected an object, got ${describe(entry)}`);
    return undefined;
  }
  const fields = entry as Record<string, unknown>;
  const before = problems.length;
  for (const key of Object.keys(fields)) {
    if (!FIELDS.has(key)) problems.push(`${at}: unknown field ${quote(key)} (expected ${[...FIELDS].join(', ')})`);
  }
  const present = RULE_MATCHERS.filter((key) => fields[key] !== undefined);
  let compiled: CompiledMatcher | undefined;
  if (present.length === 1) {
    compiled = compileMatcher(present[0]!, fields[present[0]!], `${at}.${present[0]!}`, problems);
  } else {
    problems.push(
      present.length === 0
        ? `${at}: needs exactly one of ${RULE_MATCHERS.join(', ')}`
        : `${at}: has ${present.join(' and ')}; exactly one matcher is allowed`,
    );
  }

  const kind = fields.kind === undefined ? 'service' : fields.kind;
  if (!RULE_KINDS.includes(kind as DestinationKind)) {
    problems.push(`${at}.kind: must be one of ${RULE_KINDS.join(', ')} (got ${quote(kind)})`);
  }
  const placeholders = new Set([...COMMON_PLACEHOLDERS, ...(compiled?.placeholders ?? [])]);
  const node = compileField(fields.node, `${at}.node`, placeholders, true, problems);
  const detail = compileField(fields.detail, `${at}.detail`, placeholders, false, problems);
  if (node && node.names.length === 0 && RULE_KINDS.includes(kind as DestinationKind)) {
    const literal = node.parts[0]!;
    if (kind === 'tool' && !isValidToolName(literal)) {
      problems.push(`${at}.node: ${quote(literal)} is not a valid tool name (a DNS label: a-z, 0-9, '-')`);
    } else if (kind !== 'tool' && !isReservedNodeName(literal)) {
      problems.push(
        `${at}.node: ${quote(literal)} must be a reserved name "<realm>:<name>" (lowercase; the ':' keeps it apart from tool names) when kind is ${kind}`,
      );
    }
  }
  if (problems.length > before || !compiled || !node) return undefined;
  const rule: ExtraRule = {
    index,
    config: { ...(fields as unknown as ExtraRuleConfig) },
    matcher: present[0]!,
    ...(compiled.name !== undefined ? { name: compiled.name } : {}),
    ...(compiled.match ? { match: compiled.match } : {}),
    node,
    kind: kind as DestinationKind,
    ...(detail ? { detail } : {}),
  };
  return rule;
}

interface CompiledMatcher {
  name?: string;
  match?: (host: ParsedHost) => Captures | undefined;
  placeholders: string[];
}

function compileMatcher(key: MatcherKey, value: unknown, at: string, problems: string[]): CompiledMatcher | undefined {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`${at}: expected a non-empty string, got ${describe(value)}`);
    return undefined;
  }
  switch (key) {
    case 'host': {
      const parsed = parseHost(value);
      if (!parsed || parsed.port !== undefined) {
        problems.push(`${at}: ${quote(value)} is not a host name or IP address${parsed ? ' (no port allowed)' : ''}`);
        return undefined;
      }
      return { name: parsed.name, placeholders: [] };
    }
    case 'hostSuffix': {
      const parsed = parseHost(value.startsWith('.') ? value.slice(1) : value);
      if (!parsed || parsed.port !== undefined || parsed.ipVersion !== undefined) {
        problems.push(`${at}: ${quote(value)} is not a domain name`);
        return undefined;
      }
      return { name: parsed.name, placeholders: ['rest'] };
    }
    case 'hostRegex': {
      let regex: RegExp;
      try {
        regex = new RegExp(value);
      } catch (error) {
        problems.push(`${at}: invalid regular expression: ${(error as Error).message}`);
        return undefined;
      }
      const groupCount = new RegExp(`${value}|`).exec('')!.length - 1;
      const placeholders = Array.from({ length: groupCount }, (_, i) => String(i + 1));
      for (const name of value.matchAll(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/g)) placeholders.push(name[1]!);
      return {
        match: (host) => {
          const found = regex.exec(host.name);
          if (!found) return undefined;
          const captures: Captures = { ...found.groups };
          for (let i = 1; i < found.length; i++) captures[String(i)] = found[i];
          return captures;
        },
        placeholders,
      };
    }
    case 'cidr': {
      const range = parseIpRange(value.trim());
      if (!range) {
        problems.push(`${at}: ${quote(value)} is not a CIDR block like 172.16.0.0/21 or fd00::/8`);
        return undefined;
      }
      return {
        match: (host) => (host.ip && inRange(host.ip, host.ipVersion!, range) ? {} : undefined),
        placeholders: [],
      };
    }
  }
}

function compileField(
  value: unknown,
  at: string,
  allowed: ReadonlySet<string>,
  required: boolean,
  problems: string[],
): Template | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '') {
    problems.push(`${at}: expected a non-empty string, got ${describe(value)}`);
    return undefined;
  }
  const { template, unknown } = compileTemplate(value, allowed);
  if (unknown.length > 0) {
    problems.push(`${at}: unknown placeholder {${unknown[0]}} (available: ${[...allowed].map((n) => `{${n}}`).join(' ')})`);
    return undefined;
  }
  return template;
}

/** The destination a matching rule names, or undefined when its template renders no valid node (then it is no match). */
export function applyRule(rule: ExtraRule, captures: Captures, host: ParsedHost, target: DestinationTarget): Destination | undefined {
  const values: Captures = {
    host: host.name,
    label: host.name.split('.', 1)[0],
    port: portOf(host, target),
    dbName: typeof target.dbName === 'string' ? target.dbName : undefined,
    dbSystem: typeof target.dbSystem === 'string' ? target.dbSystem : undefined,
    ...captures,
  };
  const node = renderTemplate(rule.node, values);
  if (rule.kind === 'tool' ? !isValidToolName(node) : !isReservedNodeName(node)) return undefined;
  const detail = rule.detail ? renderTemplate(rule.detail, values) : '';
  return detail === '' ? { node, kind: rule.kind } : { node, kind: rule.kind, detail };
}

function portOf(host: ParsedHost, target: DestinationTarget): string | undefined {
  const port = host.port ?? target.port;
  return typeof port === 'number' && Number.isInteger(port) ? String(port) : undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `the string ${quote(value)}` : typeof value;
}

function quote(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}
