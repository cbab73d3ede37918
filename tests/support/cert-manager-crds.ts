/**
 * cert-manager's CustomResourceDefinitions, fetched by `scripts/setup --test`
 * (ensure_cert_manager_crds: the YAML inside the github.com/cert-manager/cert-manager Go
 * module), installed into a test API server so the chart's Certificate and Issuer are
 * validated by the real API server like every other object.
 */
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { kubeRequest } from './kube-control-plane.js';

/** The parts read here; the rest of each CRD is sent to the API server as written. */
interface Crd {
  kind: string;
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string }[] };
}

/** Where ensure_cert_manager_crds links them: beside the tools' bin directory in the cache. */
function crdDirectory(): string {
  const toolsBin =
    process.env.TOOLFORGE_TRACING_TOOLS_BIN ??
    join(process.env.TOOLFORGE_TRACING_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'toolforge-tracing'), 'bin');
  return join(toolsBin, '..', 'cert-manager-crds');
}

export async function readCertManagerCrds(): Promise<Crd[]> {
  const dir = crdDirectory();
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  } catch (error) {
    throw new Error(`cert-manager's CRDs are not in ${dir} (${(error as Error).message}): fetch them with scripts/setup --test (ensure_cert_manager_crds in scripts/lib/common.sh)`, { cause: error });
  }
  const crds: Crd[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as Crd | null;
      if (crd?.kind === 'CustomResourceDefinition') crds.push(crd);
    }
  }
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${dir}: rerun scripts/setup --test`);
  return crds;
}

/**
 * Creates the CRDs and waits (bounded) until the API server serves each of them. Raw JSON,
 * not the typed client: its serializer drops the `x-kubernetes-*` schema keys it does not
 * map, and the API server then rejects the schema.
 */
export async function installCertManagerCrds(kc: KubeConfig, timeoutMs = 30_000): Promise<string[]> {
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  const crds = await readCertManagerCrds();
  for (const crd of crds) {
    const res = await kubeRequest(kc, base, { method: 'POST', body: JSON.stringify(crd), contentType: 'application/json' });
    if (res.status !== 201) throw new Error(`creating CRD ${crd.metadata.name}: ${res.status} ${res.text}`);
  }
  const deadline = Date.now() + timeoutMs;
  for (const { metadata } of crds) {
    for (;;) {
      const res = await kubeRequest(kc, `${base}/${metadata.name}`);
      const current = JSON.parse(res.text) as Crd;
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${metadata.name} not Established within ${timeoutMs} ms: ${res.text.slice(0, 2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return crds.map((c) => c.metadata.name).sort();
}
