import { SpanKind, type Attributes, type AttributeValue } from '@opentelemetry/api';
import { ATTR_DEPENDENCY_DETAIL, ATTR_DEPENDENCY_KIND, ATTR_PEER_SERVICE, ATTR_SAMPLED, destinationAttributes } from '../../topology/attributes.js';
import { classifyDestination, type DestinationTarget, type Profile } from '../../topology/index.js';
import { withoutSqlLiterals } from './sql-literals.js';
import { incomingUrl, outgoingUrl, redactPath, redactQuery } from './url-privacy.js';

/**
 * The attributes a span leaves the pod with: privacy-scrubbed, named by the topology
 * classifier when it is a call to somewhere else, and cut down to what the service
 * graph needs when the trace was not sampled. Pure; the only policy in the export path.
 */

/** Never exported: they identify the end user or carry credentials. */
const PERSONAL = new Set([
  'user_agent.original',
  'user_agent.synthetic.type',
  'http.user_agent',
  'enduser.id',
]);
/** On server spans these are the end user's address. */
const SERVER_PEER = new Set([
  'client.address',
  'client.port',
  'network.peer.address',
  'network.peer.port',
  'http.client_ip',
  'net.peer.ip',
  'net.peer.port',
  'net.sock.peer.addr',
  'net.sock.peer.port',
  'url.query',
]);
const HEADER_PREFIXES = ['http.request.header.', 'http.response.header.'];
const URL_KEYS = ['url.full', 'http.url', 'http.target'];
const STATEMENT_KEYS = ['db.query.text', 'db.statement'];
const SQL_SYSTEMS = new Set(['mysql', 'mariadb', 'postgresql', 'mssql', 'oracle', 'oracle.db', 'sqlite', 'db2', 'other_sql']);

/** What the service graph (and the gateway's sampling filter) reads from an unsampled span. */
const GRAPH_KEYS = new Set([
  ATTR_PEER_SERVICE,
  ATTR_DEPENDENCY_DETAIL,
  ATTR_DEPENDENCY_KIND,
  ATTR_SAMPLED,
  'db.system',
  'db.system.name',
  'messaging.system',
  'http.response.status_code',
  'error.type',
]);

function str(v: AttributeValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function num(v: AttributeValue | undefined): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

function parsedUrl(a: Attributes): URL | undefined {
  const raw = str(a['url.full']) ?? str(a['http.url']);
  if (raw === undefined) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** What a client span knows about its destination, from stable or older semantic conventions. */
export function destinationTarget(a: Attributes): DestinationTarget | undefined {
  const url = parsedUrl(a);
  const host = str(a['server.address']) ?? str(a['net.peer.name']) ?? (url?.hostname || undefined);
  const port = num(a['server.port']) ?? num(a['net.peer.port']) ?? num(url?.port);
  const dbSystem = str(a['db.system.name']) ?? str(a['db.system']);
  const dbName = str(a['db.namespace']) ?? str(a['db.name']);
  if (host === undefined && dbSystem === undefined) return undefined;
  const target: DestinationTarget = {};
  if (host !== undefined) target.host = host;
  if (port !== undefined) target.port = port;
  if (url !== undefined) target.path = url.pathname;
  if (dbSystem !== undefined) target.dbSystem = dbSystem;
  if (dbName !== undefined) target.dbName = dbName;
  return target;
}

function scrubStatement(statement: string, dbSystem: string | undefined): string | undefined {
  if (dbSystem !== undefined && SQL_SYSTEMS.has(dbSystem)) return withoutSqlLiterals(statement);
  // Redis and the like: the command name is the useful part; arguments are keys and values.
  const command = /^\s*([A-Za-z][\w.-]*)/.exec(statement)?.[1];
  return command?.toUpperCase();
}

type Rule = 'drop' | 'server-drop' | 'url' | 'path' | 'query' | 'statement';
/** One lookup per attribute instead of a scan of every list. */
const RULES = new Map<string, Rule>([
  ...[...PERSONAL].map((k) => [k, 'drop'] as const),
  ...[...SERVER_PEER].map((k) => [k, 'server-drop'] as const),
  ...URL_KEYS.map((k) => [k, 'url'] as const),
  ['url.query', 'query'],
  ['url.path', 'path'],
  ...STATEMENT_KEYS.map((k) => [k, 'statement'] as const),
]);

function isHeader(key: string): boolean {
  return HEADER_PREFIXES.some((p) => key.startsWith(p));
}

/** Whether a sampled span's `key` leaves the pod as it is: no privacy rule applies to it. */
export function passesScrubbingUnchanged(kind: SpanKind, key: string): boolean {
  const rule = RULES.get(key);
  const server = kind === SpanKind.SERVER;
  return !isHeader(key) && (rule === undefined || (rule === 'server-drop' && !server) || (rule === 'path' && server));
}

/** Whether an unsampled span keeps `key`: the service graph reads it. */
export function keptWhenUnsampled(key: string): boolean {
  return GRAPH_KEYS.has(key);
}

/** `value` as it may leave the pod, or undefined when it may not. */
function scrubbedValue(rule: Rule, server: boolean, value: AttributeValue, a: Attributes): AttributeValue | undefined {
  if (rule === 'drop' || (server && (rule === 'server-drop' || rule === 'query'))) return undefined;
  if (typeof value !== 'string' || rule === 'server-drop') return value;
  if (rule === 'url') return server ? incomingUrl(value) : outgoingUrl(value);
  if (rule === 'path') return server ? value : redactPath(value);
  if (rule === 'query') return redactQuery(value);
  return scrubStatement(value, str(a['db.system.name']) ?? str(a['db.system']));
}

/** Privacy-scrubbed; only the graph's attributes when the trace was not sampled (none of those needs scrubbing). */
function scrubbed(kind: SpanKind, a: Attributes, sampled: boolean): Attributes {
  const out: Attributes = {};
  const server = kind === SpanKind.SERVER;
  for (const key in a) {
    const value = a[key];
    if (value === undefined) continue;
    if (!sampled) {
      if (GRAPH_KEYS.has(key)) out[key] = value;
      continue;
    }
    const rule = RULES.get(key);
    if (rule === undefined) {
      if (!isHeader(key)) out[key] = value;
      continue;
    }
    const kept = scrubbedValue(rule, server, value, a);
    if (kept !== undefined) out[key] = kept;
  }
  return out;
}

export function exportedAttributes(kind: SpanKind, attributes: Attributes, sampled: boolean, profile: Profile): Attributes {
  const out = scrubbed(kind, attributes, sampled);
  if (kind === SpanKind.CLIENT || kind === SpanKind.PRODUCER) {
    const target = destinationTarget(attributes);
    if (target !== undefined) Object.assign(out, destinationAttributes(classifyDestination(target, profile)));
  }
  out[ATTR_SAMPLED] = sampled;
  return out;
}
