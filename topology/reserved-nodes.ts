import type { DestinationKind } from './types.js';

/**
 * Graph node names of everything that is not a tool. Each contains ':', a character a tool
 * name (a DNS label) can never contain, so a shared service can never be mistaken for a tool.
 * Form: `<realm>:<name>`; the realm says who runs it.
 */
export const NODES = {
  toolsdb: 'toolforge:toolsdb',
  redis: 'toolforge:redis',
  elasticsearch: 'toolforge:elasticsearch',
  opensearch: 'toolforge:opensearch',
  toolforgeApi: 'toolforge:api',
  mail: 'toolforge:mail',
  registry: 'toolforge:registry',
  nfs: 'toolforge:nfs',
  frontProxy: 'toolforge:front-proxy',
  kubernetesApi: 'toolforge:k8s-api',
  kubernetesService: 'toolforge:k8s-service',
  wikiReplicas: 'wmcs:wiki-replicas',
  objectStorage: 'wmcs:object-storage',
  webProxy: 'wmcs:web-proxy',
  dumps: 'wmcs:dumps',
  cloudVpsNfs: 'wmcs:nfs',
  wmcsOther: 'wmcs:other',
  mediawiki: 'wikimedia:mediawiki',
  wikidataQuery: 'wikimedia:wdqs',
  eventStreams: 'wikimedia:eventstreams',
  upload: 'wikimedia:upload',
  wikimediaDumps: 'wikimedia:dumps',
  internet: 'external:internet',
  publicIp: 'external:ip',
  loopback: 'local:loopback',
  privateIp: 'local:private-ip',
  unqualified: 'local:unqualified',
  unknown: 'unknown:destination',
} as const;

export const CLOUD_VPS_REALM = 'cloudvps:';

/** The node of a Cloud VPS project (its VMs, services and web-facing tools of another Toolforge). */
export function cloudVpsProjectNode(project: string): string {
  return CLOUD_VPS_REALM + project;
}

/** True for names of the reserved form: they contain ':' and nothing a span attribute would mangle. */
export function isReservedNodeName(name: unknown): name is string {
  return typeof name === 'string' && RESERVED.test(name);
}

const RESERVED = /^[a-z0-9][a-z0-9._-]*:[a-z0-9][a-z0-9._/-]*$/;

/** Realms of nodes outside Toolforge and Cloud VPS, or not a real place at all (kind 'external'). */
const EXTERNAL_REALMS = new Set(['external', 'local', 'unknown']);

/**
 * The kind of a graph node from its name alone, as the classifier assigns it: a bare name is
 * a tool; a reserved name is a shared service unless its realm is outside (external:, local:,
 * unknown:). Readers of the series (the report) get only names.
 */
export function kindOfNodeName(name: string): DestinationKind {
  const colon = name.indexOf(':');
  if (colon < 0) return 'tool';
  return EXTERNAL_REALMS.has(name.slice(0, colon)) ? 'external' : 'service';
}
