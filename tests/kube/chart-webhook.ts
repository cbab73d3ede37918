/**
 * The chart's webhook wired into a real control plane the way a cluster runs it: the
 * chart's ServiceAccount, ClusterRole and binding applied; the webhook process running the
 * chart's own config.yaml with that ServiceAccount's token (TokenRequest); a serving
 * certificate for the names of the chart's Certificate, signed by the cluster CA as
 * cert-manager's would be; and the chart's MutatingWebhookConfiguration registered with
 * that CA as its caBundle (cert-manager's CA injection). One change to the rendered object:
 * clientConfig.service becomes a url on loopback, because no Service network exists here
 * (and a ClusterIP must never be dialled from this machine).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type KubernetesObject,
  type V1MutatingWebhookConfiguration,
  type V1Pod,
} from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { find, releaseNamespace, render, type K8sObject } from '../charts/helm.js';
import type { KubeControlPlane } from '../support/kube-control-plane.js';
import { call, startWebhook, type RunningWebhook } from '../webhook/helpers.js';

export const fieldManager = 'toolforge-tracing-tests';

/** Server-side apply, one object at a time, in order (so a namespace comes before what is in it). */
export async function applyServerSide(kc: KubeConfig, objects: K8sObject[], opts: { dryRun?: boolean } = {}): Promise<KubernetesObject[]> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const applied: KubernetesObject[] = [];
  for (const o of objects) {
    try {
      applied.push(await api.patch(o as KubernetesObject, undefined, opts.dryRun ? 'All' : undefined, fieldManager, true, PatchStrategy.ServerSideApply));
    } catch (error) {
      throw new Error(`server-side apply${opts.dryRun ? ' (dryRun=All)' : ''} of ${o.kind}/${o.metadata.name} refused: ${(error as { body?: string }).body ?? String(error)}`, { cause: error });
    }
  }
  return applied;
}

/** Labels Toolforge gives a tool namespace (toolforge-facts.md), plus Pod Security "restricted" enforced by the API server. */
export const toolNamespaceLabels = (namespace: string): Record<string, string> => ({
  name: namespace,
  tenancy: 'tool',
  'pod-security.kubernetes.io/enforce': 'restricted',
});

/** A kubeconfig file that authenticates as `namespace/serviceAccount` with a TokenRequest token. */
export async function serviceAccountKubeconfig(cp: KubeControlPlane, namespace: string, serviceAccount: string, file: string): Promise<string> {
  const kc = cp.kubeConfigForToken(await cp.serviceAccountToken(namespace, serviceAccount));
  await writeFile(file, kc.exportConfig());
  return file;
}

/** Polls (bounded) until `check` holds; the error names what never happened. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 20_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`never happened within ${timeoutMs} ms: ${what}${last === undefined ? '' : ` (last error: ${String(last)})`}`);
}

/** A counter or gauge of the webhook's /metrics (0 when the series does not exist yet). */
export async function webhookMetric(w: RunningWebhook, series: string): Promise<number> {
  const text = (await call(`${w.url}/metrics`, w.ca)).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

export interface ChartWebhook {
  readonly webhook: RunningWebhook;
  /** What was registered (the chart's object with url and caBundle filled in). */
  readonly configuration: V1MutatingWebhookConfiguration;
  readonly objects: K8sObject[];
  stop(): Promise<void>;
}

/** The chart's MutatingWebhookConfiguration pointed at `url` with `caBundle`. */
export function chartWebhookConfiguration(objects: K8sObject[], url: string, ca: string): V1MutatingWebhookConfiguration {
  const mwc = structuredClone(find(objects, 'MutatingWebhookConfiguration', '-webhook')) as unknown as V1MutatingWebhookConfiguration;
  for (const w of mwc.webhooks ?? []) w.clientConfig = { url, caBundle: Buffer.from(ca).toString('base64') };
  return mwc;
}

/** Starts the chart's webhook (environment `local`) against `cp` and registers its configuration. */
export async function startChartWebhook(cp: KubeControlPlane, opts: { objects?: K8sObject[] } = {}): Promise<ChartWebhook> {
  const objects = opts.objects ?? (await render('local'));
  const kc = cp.admin;
  await applyServerSide(kc, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: releaseNamespace } },
    find(objects, 'ServiceAccount', '-webhook'),
    find(objects, 'ClusterRole', '-webhook'),
    find(objects, 'ClusterRoleBinding', '-webhook'),
  ]);
  const serviceAccount = find(objects, 'ServiceAccount', '-webhook').metadata.name;
  const kubeconfig = await serviceAccountKubeconfig(cp, releaseNamespace, serviceAccount, join(cp.dir, 'webhook.kubeconfig'));

  const certificate = find(objects, 'Certificate', '-webhook') as K8sObject & { spec: { dnsNames: string[] } };
  const tls = await cp.issueServingCertificate('webhook', { ips: ['127.0.0.1'], dnsNames: ['localhost', ...certificate.spec.dnsNames] });

  const configMap = find(objects, 'ConfigMap', '-webhook') as K8sObject & { data: Record<string, string> };
  const config = parse(configMap.data['config.yaml']!) as Record<string, unknown>;
  config.kubernetes = { ...(config.kubernetes as object | undefined), kubeconfig };
  const webhook = await startWebhook({ config: stringify(config), tls, ca: cp.ca });
  try {
    await eventually('the webhook namespace watch synced', async () => (await call(`${webhook.url}/readyz`, webhook.ca)).json().namespaceCache === 'synced');
    const configuration = chartWebhookConfiguration(objects, `${webhook.url}/mutate`, cp.ca);
    const admission = kc.makeApiClient(AdmissionregistrationV1Api);
    await admission.createMutatingWebhookConfiguration({ body: configuration });
    await waitForWebhookInUse(cp);
    return {
      webhook,
      configuration,
      objects,
      stop: async () => {
        await admission.deleteMutatingWebhookConfiguration({ name: configuration.metadata!.name! }).catch(() => undefined);
        await webhook.stop();
      },
    };
  } catch (error) {
    await webhook.stop();
    throw error;
  }
}

/** The API server picks up a new webhook configuration asynchronously: dry-run pods until one comes back injected. */
async function waitForWebhookInUse(cp: KubeControlPlane): Promise<void> {
  const core = cp.admin.makeApiClient(CoreV1Api);
  const namespace = 'tool-probe';
  await cp.createNamespace(namespace, toolNamespaceLabels(namespace));
  const probe: V1Pod = {
    metadata: { name: 'probe', namespace },
    spec: {
      securityContext: { runAsUser: 50000, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', image: 'docker-registry.tools.wmflabs.org/toolforge-node18-sssd-base:latest', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    },
  };
  await eventually('the API server calls the registered webhook', async () => {
    const pod = await core.createNamespacedPod({ namespace, body: probe, dryRun: 'All' });
    return pod.metadata?.annotations?.['tracing.toolforge.org/injected'] !== undefined;
  });
}
