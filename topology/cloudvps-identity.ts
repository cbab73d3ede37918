import { parseHost } from './host.js';
import { cloudVpsProjectNode } from './reserved-nodes.js';
import { isDnsLabel } from './tool-name.js';
import { CLOUD_VPS_DEPLOYMENTS } from './wmcs-rules.js';

/**
 * Who a process on a Cloud VPS VM is: project + VM (+ the systemd unit or user, which the agent
 * adds). `serviceName` is the project's node, the same name other callers' classifiers give
 * `<vm>.<project>.eqiad1.wikimedia.cloud`, so both sides of an edge meet in one node.
 */
export interface CloudVpsIdentity {
  project: string;
  vm: string;
  serviceName: string;
}

/** From the VM's fully qualified name (`hostname -f`), e.g. `web-1.myproject.eqiad1.wikimedia.cloud`. */
export function cloudVpsIdentity(fqdn: string): CloudVpsIdentity | undefined {
  const host = parseHost(fqdn);
  if (!host || host.ipVersion !== undefined) return undefined;
  for (const deployment of CLOUD_VPS_DEPLOYMENTS) {
    if (!host.name.endsWith('.' + deployment)) continue;
    const labels = host.name.slice(0, -deployment.length - 1).split('.');
    if (labels.length !== 2 || labels[1] === 'svc' || !isDnsLabel(labels[1])) return undefined;
    return { vm: labels[0]!, project: labels[1]!, serviceName: cloudVpsProjectNode(labels[1]!) };
  }
  return undefined;
}
