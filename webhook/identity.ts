/** Who a pod belongs to and what kind of workload it is, from what the platform sets. */
import type { V1Pod } from '@kubernetes/client-node';

// TEMPORARY until topology/ lands: replace this function by
// `export { toolFromNamespace } from '../topology/index.js';` (same signature, profile name resolved there).
export function toolFromNamespace(namespace: string, _profile: string): string | undefined {
  const match = /^tool-([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(namespace);
  return match?.[1];
}

export type WorkloadKind = 'web' | 'job' | 'cronjob' | 'continuous';

/** jobs-api and webservice label every pod with `app.kubernetes.io/component`. */
const kindByComponent: Record<string, WorkloadKind> = {
  web: 'web',
  jobs: 'job',
  cronjobs: 'cronjob',
  deployments: 'continuous',
};

export function workloadKind(pod: V1Pod): WorkloadKind | undefined {
  const component = pod.metadata?.labels?.['app.kubernetes.io/component'];
  return component === undefined ? undefined : kindByComponent[component];
}
