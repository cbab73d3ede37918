import { fixed, service, type HostHandler, type RuleGroup } from './host-rules.js';
import { cloudVpsProjectNode, NODES } from './reserved-nodes.js';
import { isValidToolName, TOOL_NAMESPACE_PREFIX } from './tool-name.js';
import type { Destination } from './types.js';

/** Where a Toolforge deployment lives: the names that make a host one of ITS tools. */
export interface ToolforgeEnvironment {
  /** Cloud VPS project running it (`tools`, `toolsbeta`): its services are `<svc>.svc.<project>.eqiad1.wikimedia.cloud`. */
  project: string;
  /** Public tool domain: `<tool>.<publicDomain>`. */
  publicDomain: string;
  /** Kubernetes cluster DNS domain: `<svc>.tool-<tool>.svc.<clusterDomain>`; absent off Kubernetes. */
  clusterDomain?: string;
  /** Tools run as Unix accounts `<unixUserPrefix><tool>`. */
  unixUserPrefix?: string;
}

/** Every Toolforge there is, so that one seen from another is a Cloud VPS project, not a local tool of the same name. */
export const TOOLFORGES: readonly ToolforgeEnvironment[] = [
  { project: 'tools', publicDomain: 'toolforge.org' },
  { project: 'toolsbeta', publicDomain: 'beta.toolforge.org' },
];

const TOOLSDB_HOSTS = [
  'tools.db.svc.wikimedia.cloud',
  'tools.db.svc.eqiad1.wikimedia.cloud',
  'tools-db',
  'tools.labsdb',
  'tools.db.svc.eqiad.wmflabs',
];

/** ToolsDB database names (`s51234__foo`) name the owning tool's data: kept as detail, they are few per tool. */
const DATABASE = /^[A-Za-z0-9_$-]{1,64}$/;

const toolsDb: HostHandler = (_rest, query) => {
  const name = query.target.dbName;
  return service(NODES.toolsdb, typeof name === 'string' && DATABASE.test(name) ? name : undefined);
};

const SERVICES: Record<string, string> = {
  redis: NODES.redis,
  elasticsearch: NODES.elasticsearch,
  opensearch: NODES.opensearch,
  api: NODES.toolforgeApi,
};

/** ToolsDB, Redis, Elasticsearch, OpenSearch, the API, mail and the registry of a Toolforge. */
export function toolforgeServiceRules(project: string): RuleGroup {
  const exact: Record<string, HostHandler> = {
    'mail.tools.wmcloud.org': fixed(NODES.mail),
    'mail.tools.wmflabs.org': fixed(NODES.mail),
    'docker-registry.svc.toolforge.org': fixed(NODES.registry),
    'docker-registry.tools.wmflabs.org': fixed(NODES.registry),
    'tools-harbor.wmcloud.org': fixed(NODES.registry),
    'api.svc.toolforge.org': fixed(NODES.toolforgeApi),
  };
  for (const host of TOOLSDB_HOSTS) exact[host] = toolsDb;
  for (const [name, node] of Object.entries(SERVICES)) {
    exact[`${name}.svc.${project}.eqiad1.wikimedia.cloud`] = fixed(node);
  }
  return { exact };
}

function tool(name: string, detail?: string): Destination {
  return detail === undefined ? { node: name, kind: 'tool' } : { node: name, kind: 'tool', detail };
}

/** `<tool>.<domain>` of a Toolforge other than ours: that deployment's project node, the host as detail. */
function foreignToolforge(project: string): HostHandler {
  return (_rest, query) => service(cloudVpsProjectNode(project), query.host.name);
}

function ownTools(): HostHandler {
  return (rest, query) =>
    isValidToolName(rest) ? tool(rest) : service(NODES.frontProxy, query.host.name);
}

/** Legacy `https://tools.wmflabs.org/<tool>/...` URLs name the tool in the first path segment. */
const LEGACY_TOOL_PATH = /^\/([^/?#]+)/;

function legacyToolPath(own: boolean): HostHandler {
  return (_rest, query) => {
    const path = query.target.path;
    const match = typeof path === 'string' ? LEGACY_TOOL_PATH.exec(path) : null;
    const name = match?.[1]?.toLowerCase();
    if (name === undefined || !isValidToolName(name)) return service(NODES.frontProxy, query.host.name);
    return own ? tool(name) : service(cloudVpsProjectNode('tools'), `${name}.toolforge.org`);
  };
}

/** Tool names in public URLs: ours are tool nodes, every other Toolforge's are its project node. */
export function toolDomainRules(own: ToolforgeEnvironment | undefined): RuleGroup {
  const exact: Record<string, HostHandler> = {};
  const suffixes: Record<string, HostHandler> = {};
  for (const other of TOOLFORGES) {
    suffixes[other.publicDomain] = foreignToolforge(other.project);
    exact[other.publicDomain] = fixed(NODES.frontProxy);
  }
  exact['tools.wmflabs.org'] = legacyToolPath(own?.project === 'tools');
  if (own) suffixes[own.publicDomain] = ownTools();
  return { exact, suffixes };
}

/** `<svc>.<namespace>` inside the cluster: a tool's namespace names the tool. */
export function clusterService(serviceName: string, namespace: string): Destination | undefined {
  if (namespace.startsWith(TOOL_NAMESPACE_PREFIX)) {
    const name = namespace.slice(TOOL_NAMESPACE_PREFIX.length);
    return isValidToolName(name) ? tool(name, serviceName) : undefined;
  }
  if (serviceName === 'kubernetes' && namespace === 'default') return service(NODES.kubernetesApi);
  return service(NODES.kubernetesService, `${serviceName}.${namespace}`);
}

const clusterName: HostHandler = (rest) => {
  const labels = rest.split('.');
  return labels.length === 2 ? clusterService(labels[0]!, labels[1]!) : undefined;
};

/** `<svc>.<ns>.svc.<clusterDomain>` and the `<svc>.<ns>.svc` the resolver's search path completes. */
export function clusterRules(clusterDomain: string): RuleGroup {
  return { suffixes: { [`svc.${clusterDomain}`]: clusterName, svc: clusterName } };
}
