/**
 * Pure admission policy: should this object be injected, and if not, why. The skip
 * reasons are a closed set: they label the metrics and the annotation, and the
 * operator doc explains each one.
 */
import type { V1Container, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import type { WebhookConfig } from './config.js';
import { profileByName, toolFromNamespace } from '../topology/index.js';
import { disabledEnv, injectAnnotation, injectedAnnotation, skippedContainersAnnotation } from './names.js';
import { checkPodShape } from './pod-shape.js';

const OS_LABEL = 'kubernetes.io/os';

/**
 * A pod that can only run on Windows nodes: it says so (spec.os.name), or its node selector
 * or required node affinity admits Windows nodes only. Without spec.os the API server takes
 * the patch, and the pod would then start a Linux init container on a Windows node.
 */
export function runsOnWindowsOnly(spec: V1PodSpec): boolean {
  if (spec.os?.name === 'windows') return true;
  if (spec.nodeSelector?.[OS_LABEL] === 'windows') return true;
  // Terms are ORed, a term's expressions ANDed: Windows only when every term requires it.
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  return (
    terms.length > 0 &&
    terms.every((term) => (term.matchExpressions ?? []).some((e) => e.key === OS_LABEL && e.operator === 'In' && (e.values?.length ?? 0) > 0 && e.values!.every((v) => v === 'windows')))
  );
}

/** Why a whole object is left untouched. */
export const skipReasons = [
  'not-pod',
  'not-create',
  'malformed-pod',
  'excluded-namespace',
  'not-tool-namespace',
  'namespace-opt-out',
  'pod-opt-out',
  'already-injected',
  'tracing-disabled',
  'no-eligible-container',
  'windows-pod',
] as const;
export type SkipReason = (typeof skipReasons)[number];

/** Why one app container of an injected pod is left alone. */
export const containerSkipReasons = ['tracing-disabled', 'node-options-from-ref', 'env-from'] as const;
export type ContainerSkipReason = (typeof containerSkipReasons)[number];

export interface NamespaceInfo {
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface AdmissionFacts {
  operation: string;
  /** `request.kind` of the review. */
  kind: { group: string; version: string; kind: string };
  /** `request.namespace`, else the object's own. */
  namespace: string | undefined;
  object: unknown;
  /** From the namespace watch; undefined when the namespace is not (yet) known. */
  namespaceInfo: (namespace: string) => NamespaceInfo | undefined;
}

export interface SkippedContainer {
  container: string;
  reason: ContainerSkipReason;
}

export type Decision =
  | { action: 'skip'; reason: SkipReason; detail?: string }
  /** No app container can be injected: only the skipped-containers annotation is written. */
  | { action: 'annotate'; reason: 'no-eligible-container' | 'already-injected'; pod: V1Pod; skipped: SkippedContainer[] }
  | { action: 'inject'; pod: V1Pod; tool: string; namespace: string; containers: number[]; skipped: SkippedContainer[] };

function optsOut(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === 'false';
}

function namespaceExcluded(namespace: string, config: WebhookConfig): boolean {
  if (namespace === config.namespaces.webhook) return true;
  return config.namespaces.excluded.some((pattern) =>
    pattern.endsWith('*') ? namespace.startsWith(pattern.slice(0, -1)) : namespace === pattern,
  );
}

function containerSkip(container: V1Container): ContainerSkipReason | undefined {
  const env = container.env ?? [];
  const disabled = env.find((e) => e.name === disabledEnv);
  if (disabled?.value !== undefined && disabled.value.trim().toLowerCase() === 'true') return 'tracing-disabled';
  if (env.some((e) => e.name === 'NODE_OPTIONS' && e.valueFrom !== undefined)) return 'node-options-from-ref';
  // envFrom may carry NODE_OPTIONS we cannot see; setting ours would silently replace it.
  if ((container.envFrom ?? []).length > 0) return 'env-from';
  return undefined;
}

/**
 * Called again after a later webhook changed the pod. The injection stays as it is; but a
 * container whose NODE_OPTIONS that webhook replaced with a reference (envvars-admission
 * does, for `toolforge envvars create NODE_OPTIONS ...`) no longer loads the preload, and
 * the pod then says so, as it would had the reference been there first.
 */
function reinvoked(pod: V1Pod, annotations: Record<string, string>): Decision {
  const recorded = (annotations[skippedContainersAnnotation] ?? '').split(',');
  const lost = pod.spec!.containers
    .filter((c) => containerSkip(c) === 'node-options-from-ref' && !recorded.includes(`${c.name}=node-options-from-ref`))
    .map((c) => ({ container: c.name, reason: 'node-options-from-ref' as const }));
  if (lost.length === 0) return { action: 'skip', reason: 'already-injected', detail: annotations[injectedAnnotation] };
  // Only the new entries: buildPatch appends them to what the annotation already says.
  return { action: 'annotate', reason: 'already-injected', pod, skipped: lost };
}

export function decide(facts: AdmissionFacts, config: WebhookConfig): Decision {
  const { group, version, kind } = facts.kind;
  if (group !== '' || version !== 'v1' || kind !== 'Pod') return { action: 'skip', reason: 'not-pod', detail: `${group || 'core'}/${version} ${kind}` };
  if (facts.operation !== 'CREATE') return { action: 'skip', reason: 'not-create', detail: facts.operation };

  const shape = checkPodShape(facts.object);
  if (!shape.ok) return { action: 'skip', reason: 'malformed-pod', detail: shape.error };
  const pod = shape.pod;

  const namespace = facts.namespace ?? pod.metadata?.namespace;
  if (namespace === undefined || namespace === '') return { action: 'skip', reason: 'not-tool-namespace', detail: 'no namespace' };
  if (namespaceExcluded(namespace, config)) return { action: 'skip', reason: 'excluded-namespace', detail: namespace };
  const tool = toolFromNamespace(namespace, profileByName(config.profile));
  if (tool === undefined) return { action: 'skip', reason: 'not-tool-namespace', detail: namespace };

  const ns = facts.namespaceInfo(namespace);
  if (ns !== undefined) {
    const missing = Object.entries(config.namespaces.toolLabels).find(([k, v]) => ns.labels[k] !== v);
    if (missing !== undefined) return { action: 'skip', reason: 'not-tool-namespace', detail: `${namespace} lacks label ${missing[0]}=${missing[1]}` };
    if (optsOut(ns.annotations[injectAnnotation]) || optsOut(ns.labels[injectAnnotation])) return { action: 'skip', reason: 'namespace-opt-out', detail: namespace };
  }

  const annotations = pod.metadata?.annotations ?? {};
  if (optsOut(annotations[injectAnnotation]) || optsOut(pod.metadata?.labels?.[injectAnnotation])) return { action: 'skip', reason: 'pod-opt-out' };
  if (annotations[injectedAnnotation] !== undefined) return reinvoked(pod, annotations);
  // The init container and its Linux-only securityContext fields (which the API server refuses
  // on a Windows pod) cannot run there, nor the preload's paths.
  if (runsOnWindowsOnly(pod.spec!)) return { action: 'skip', reason: 'windows-pod' };

  const containers: number[] = [];
  const skipped: SkippedContainer[] = [];
  pod.spec!.containers.forEach((container, index) => {
    const reason = containerSkip(container);
    if (reason === undefined) containers.push(index);
    else skipped.push({ container: container.name, reason });
  });
  if (containers.length > 0) return { action: 'inject', pod, tool, namespace, containers, skipped };
  if (skipped.every((s) => s.reason === 'tracing-disabled')) return { action: 'skip', reason: 'tracing-disabled' };
  return { action: 'annotate', reason: 'no-eligible-container', pod, skipped };
}
