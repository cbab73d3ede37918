/** What kind of workload a pod is, from the labels jobs-api and webservice set. (The tool comes from topology/.) */
import type { V1Pod } from '@kubernetes/client-node';

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
