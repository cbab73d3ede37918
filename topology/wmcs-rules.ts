import { service, type HostHandler, type RuleGroup } from './host-rules.js';
import { cloudVpsProjectNode, NODES } from './reserved-nodes.js';
import { isDnsLabel } from './tool-name.js';

/**
 * Wiki Replicas: `<db>.{analytics,web}.db.svc.wikimedia.cloud`, section hosts `s1..s8.*`, and the
 * legacy `*.db.svc.eqiad.wmflabs` and `*.labsdb`. Detail = the wiki database without `_p`, from
 * the database the client uses (more precise: one section serves many wikis), else from the host.
 */
const WIKI_DB = /^[a-z][a-z0-9_]{0,62}$/;
const SECTION = /^s[0-9]{1,2}$/;

export function replicaWiki(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const lower = name.toLowerCase();
  const wikiDb = lower.endsWith('_p') ? lower.slice(0, -2) : lower;
  return WIKI_DB.test(wikiDb) && !SECTION.test(wikiDb) ? wikiDb : undefined;
}

const wikiReplica: HostHandler = (rest, query) => {
  if (rest === '' || rest.includes('.')) return undefined;
  return service(NODES.wikiReplicas, replicaWiki(query.target.dbName) ?? replicaWiki(rest));
};

const REPLICA_SUFFIXES = [
  'analytics.db.svc.wikimedia.cloud',
  'web.db.svc.wikimedia.cloud',
  'analytics.db.svc.eqiad1.wikimedia.cloud',
  'web.db.svc.eqiad1.wikimedia.cloud',
  'analytics.db.svc.eqiad.wmflabs',
  'web.db.svc.eqiad.wmflabs',
  'db.svc.eqiad.wmflabs',
  'labsdb',
];

/** Cloud VPS deployments whose `<vm>.<project>.<deployment>` names identify a project. */
export const CLOUD_VPS_DEPLOYMENTS = ['eqiad1.wikimedia.cloud', 'codfw1dev.wikimedia.cloud', 'eqiad.wmflabs'];

/** `<vm>.<project>` or `<svc>.svc.<project>` -> the project's node; anything else under the domain is WMCS-internal. */
const cloudVpsHost: HostHandler = (rest, query) => {
  const labels = rest.split('.');
  const project = labels[labels.length - 1];
  if (project !== 'svc' && isDnsLabel(project)) {
    if (labels.length === 2) return service(cloudVpsProjectNode(project), labels[0]);
    if (labels.length === 3 && labels[1] === 'svc') return service(cloudVpsProjectNode(project), `${labels[0]}.svc`);
  }
  return service(NODES.wmcsOther, query.host.name);
};

const wmcsOther: HostHandler = (_rest, query) => service(NODES.wmcsOther, query.host.name);
const webProxy: HostHandler = (_rest, query) => service(NODES.webProxy, query.host.name);

/** Swift URLs carry the owning project: `/swift/v1/AUTH_<project>/<container>/...`. */
const SWIFT_ACCOUNT = /^\/swift\/v1\/AUTH_([a-z0-9][a-z0-9-]{0,62})(?:[/?]|$)/;

const objectStorage: HostHandler = (_rest, query) => {
  const path = query.target.path;
  const account = typeof path === 'string' ? SWIFT_ACCOUNT.exec(path) : null;
  return service(NODES.objectStorage, account?.[1]);
};

/** Shared Wikimedia Cloud Services: the same names from Toolforge and from any Cloud VPS project. */
export function wmcsRules(): RuleGroup {
  const suffixes: Record<string, HostHandler> = {
    'wikimedia.cloud': wmcsOther,
    'wikimediacloud.org': wmcsOther,
    'wmcloud.org': webProxy,
    'wmflabs.org': webProxy,
    'beta.wmflabs.org': (_rest, query) => service(cloudVpsProjectNode('deployment-prep'), query.host.name),
  };
  for (const suffix of REPLICA_SUFFIXES) suffixes[suffix] = wikiReplica;
  for (const deployment of CLOUD_VPS_DEPLOYMENTS) suffixes[deployment] = cloudVpsHost;
  return {
    exact: { 'object.eqiad1.wikimediacloud.org': objectStorage },
    suffixes,
  };
}
