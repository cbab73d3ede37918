/**
 * Pure: from a policy decision to RFC 6902 JSONPatch operations. Every name we add
 * is checked against what the pod already has, so the patched pod stays valid.
 */
import { posix } from 'node:path';
import type { V1Container, V1EnvVar, V1Pod, V1SecurityContext, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import type { WebhookConfig } from './config.js';
import { workloadKind } from './workload-kind.js';
import {
  hostIpEnv,
  imagePreloadDir,
  initContainerName,
  injectedAnnotation,
  mountPath,
  nodeNameEnv,
  podNameEnv,
  profileEnv,
  skippedContainersAnnotation,
  volumeName,
} from './names.js';
import type { Decision, SkippedContainer } from './policy.js';
import { shared } from './patch-json.js';
import { sharedFor } from './shared-values.js';
import { placeEnv, unexpanded } from './env-references.js';
import {
  ENDPOINT_ENV,
  EXTRA_RULES_ENV,
  PROPAGATORS_ENV,
  PROTOCOL_ENV,
  RESOURCE_ATTRIBUTES_ENV,
  SAMPLER_ARG_ENV,
  SAMPLER_ENV,
  SERVICE_NAME_ENV,
} from '../contract/preload-env.js';
import { startsNodeOnlyWithPermissionModel } from './permission-model.js';
import { preloadReadGrant } from '../contract/preload-read-grant.js';
import { imageMatches, preloadEntry } from './preload-entry.js';

export interface PatchOp {
  op: 'add' | 'replace';
  path: string;
  value: unknown;
}

/** RFC 6901 escaping of one path segment. */
const pointer = (segment: string): string => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** `base`, else `base-2`, `base-3`, ... : the first not in `taken`. */
function freeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/**
 * The directory a mountPath names, as the kubelet mounts it: `/toolforge-tracing/` and
 * `toolforge-tracing` (made absolute) are `/toolforge-tracing`.
 */
const mountedDirectory = (mountPath: string): string => posix.normalize(`/${mountPath}`).replace(/(.)\/$/, '$1');

/** Env vars the webhook owns: any value the pod had for them is replaced. */
const ownedEnv = [
  podNameEnv,
  nodeNameEnv,
  hostIpEnv,
  SERVICE_NAME_ENV,
  RESOURCE_ATTRIBUTES_ENV,
  ENDPOINT_ENV,
  PROTOCOL_ENV,
  profileEnv,
  EXTRA_RULES_ENV,
];

const skippedAnnotationValue = (skipped: SkippedContainer[]): string =>
  skipped.map((s) => `${s.container}=${s.reason}`).join(',');

function annotationOps(pod: V1Pod, wanted: Record<string, string>): PatchOp[] {
  const existing = pod.metadata?.annotations;
  const changed = Object.entries(wanted).filter(([k, v]) => existing?.[k] !== v);
  if (changed.length === 0) return [];
  if (pod.metadata === undefined) return [{ op: 'add', path: '/metadata', value: { annotations: wanted } }];
  if (existing === undefined) return [{ op: 'add', path: '/metadata/annotations', value: wanted }];
  return changed.map(([k, v]) => ({ op: 'add', path: `/metadata/annotations/${pointer(k)}`, value: v }));
}

/** Appends to an array field, creating it when absent. */
function appendOp(base: string, field: string, current: unknown[] | undefined, item: unknown): PatchOp {
  return current === undefined ? { op: 'add', path: `${base}/${field}`, value: [item] } : { op: 'add', path: `${base}/${field}/-`, value: item };
}

function initContainer(pod: V1Pod, name: string, volume: string, config: WebhookConfig): V1Container {
  const podUser = pod.spec?.securityContext?.runAsUser;
  // Inherit the tool's uid from the pod; only a pod without one (or root) gets ours.
  const inheritsUser = typeof podUser === 'number' && podUser > 0;
  return sharedFor(config, `init\0${name}\0${volume}\0${inheritsUser}`, () => newInitContainer(name, volume, inheritsUser, config));
}

function newInitContainer(name: string, volume: string, inheritsUser: boolean, config: WebhookConfig): V1Container {
  const securityContext: V1SecurityContext = {
    runAsUser: inheritsUser ? undefined : config.injection.fallbackRunAsUser,
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
  return {
    name,
    image: config.injection.image,
    imagePullPolicy: config.injection.imagePullPolicy,
    command: ['cp', '-R', `${imagePreloadDir}/.`, `${mountPath}/`],
    volumeMounts: [{ name: volume, mountPath }],
    resources: { requests: { ...config.injection.resources.requests }, limits: { ...config.injection.resources.limits } },
    securityContext,
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };
}

function resourceAttributes(decision: Extract<Decision, { action: 'inject' }>, container: string, previous: string | undefined): string {
  const kind = workloadKind(decision.pod);
  const ours: [string, string][] = [
    ['toolforge.tool', decision.tool],
    ['k8s.namespace.name', decision.namespace],
    ['k8s.pod.name', `$(${podNameEnv})`],
    ['k8s.container.name', container],
    ['k8s.node.name', `$(${nodeNameEnv})`],
    ...(kind === undefined ? [] : [['toolforge.workload.kind', kind] as [string, string]]),
  ];
  const ourKeys = new Set(ours.map(([k]) => k));
  // The tool's own extra attributes survive; ours win on identity keys.
  const theirs = (previous ?? '')
    .split(',')
    .map((pair) => pair.trim())
    .filter((pair) => pair.includes('=') && !ourKeys.has(pair.slice(0, pair.indexOf('=')).trim()));
  return [...ours.map(([k, v]) => `${k}=${v}`), ...theirs].join(',');
}

function nodeOptions(previous: string | undefined, requireFlag: string): string {
  const prev = (previous ?? '').trim();
  if (prev === '') return requireFlag;
  if (prev.includes(requireFlag)) return prev;
  // Ours first, so the preload is loaded before anything the tool requires.
  return `${requireFlag} ${prev}`;
}

const fieldRef = (name: string, fieldPath: string): V1EnvVar => shared({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
const downwardApiEnv: readonly V1EnvVar[] = [
  fieldRef(podNameEnv, 'metadata.name'),
  fieldRef(nodeNameEnv, 'spec.nodeName'),
  fieldRef(hostIpEnv, 'status.hostIP'),
];

function containerEnv(
  decision: Extract<Decision, { action: 'inject' }>,
  container: V1Container,
  path: string,
  config: WebhookConfig,
): V1EnvVar[] {
  const existing = container.env ?? [];
  const has = (name: string) => existing.some((e) => e.name === name);
  const previousAttributes = existing.findLast((e) => e.name === RESOURCE_ATTRIBUTES_ENV)?.value;
  // Under the permission model the preload needs its directory readable (webhook/permission-model.ts):
  // else Node 20 does not start with --require, and the --import gate leaves the app untraced.
  const grant = startsNodeOnlyWithPermissionModel(container) ? `${preloadReadGrant(path)} ` : '';
  const form = imageMatches(container.image, config.injection.importImages) ? 'import' : 'require';
  const preloadOptions = `${grant}${preloadEntry(path, form)}`;
  const lastNodeOptions = existing.findLastIndex((e) => e.name === 'NODE_OPTIONS');

  const kept = existing
    .map((e, i) => (i === lastNodeOptions ? { name: 'NODE_OPTIONS', value: nodeOptions(e.value, preloadOptions) } : e))
    .filter((e) => !ownedEnv.includes(e.name));
  if (lastNodeOptions === -1) kept.push({ name: 'NODE_OPTIONS', value: preloadOptions });

  const ours: V1EnvVar[] = [
    // Defined before the values that reference them: Kubernetes expands $(VAR) only backwards.
    ...downwardApiEnv,
    { name: SERVICE_NAME_ENV, value: decision.tool },
    { name: RESOURCE_ATTRIBUTES_ENV, value: resourceAttributes(decision, container.name, previousAttributes) },
    ...sharedFor(config, 'exporter-env', () => [
      { name: ENDPOINT_ENV, value: `http://$(${hostIpEnv}):${config.otel.collectorPort}` },
      { name: PROTOCOL_ENV, value: 'http/protobuf' },
      { name: profileEnv, value: config.profile },
      ...(config.extraRules.length === 0 ? [] : [{ name: EXTRA_RULES_ENV, value: unexpanded(JSON.stringify(config.extraRules)) }]),
    ]),
  ];
  // Sampling and propagation are the tool's to tune: a value it set is kept. An arg set
  // alone is a ratio: it gets the configured sampler when that takes one (else the
  // preload applies it to its parent-based ratio sampler, env-config.ts).
  const ratioSampler = config.otel.sampler.endsWith('traceidratio');
  if (!has(SAMPLER_ENV) && !has(SAMPLER_ARG_ENV)) {
    ours.push(
      ...sharedFor(config, 'sampler-env', () => [
        { name: SAMPLER_ENV, value: config.otel.sampler },
        ...(ratioSampler ? [{ name: SAMPLER_ARG_ENV, value: String(config.otel.samplerRatio) }] : []),
      ]),
    );
  } else if (!has(SAMPLER_ENV) && ratioSampler) {
    ours.push(sharedFor(config, 'sampler-for-arg-env', () => ({ name: SAMPLER_ENV, value: config.otel.sampler })));
  }
  if (!has(PROPAGATORS_ENV)) ours.push(sharedFor(config, 'propagators-env', () => ({ name: PROPAGATORS_ENV, value: config.otel.propagators.join(',') })));
  // So that the tool's `X=$(OTEL_SERVICE_NAME)` and its own `$(VAR)`s in the attributes still expand.
  return placeEnv(kept, ours);
}

export function buildPatch(decision: Exclude<Decision, { action: 'skip' }>, config: WebhookConfig, version: string): PatchOp[] {
  const pod = decision.pod;
  const skipped: Record<string, string> = decision.skipped.length > 0 ? { [skippedContainersAnnotation]: skippedAnnotationValue(decision.skipped) } : {};
  if (decision.action === 'annotate' && decision.reason === 'already-injected') {
    const before = pod.metadata?.annotations?.[skippedContainersAnnotation];
    return annotationOps(pod, { [skippedContainersAnnotation]: [before, skippedAnnotationValue(decision.skipped)].filter((v) => v !== undefined && v !== '').join(',') });
  }
  if (decision.action === 'annotate') return annotationOps(pod, skipped);

  const spec = pod.spec!;
  const ops = annotationOps(pod, { [injectedAnnotation]: version, ...skipped });
  const volume = freeName(volumeName, new Set((spec.volumes ?? []).map((v) => v.name)));
  const initName = freeName(
    initContainerName,
    new Set([...(spec.initContainers ?? []), ...spec.containers].map((c) => c.name)),
  );
  const emptyDir = sharedFor<V1Volume>(config, `volume\0${volume}`, () => ({ name: volume, emptyDir: { sizeLimit: config.injection.volumeSizeLimit } }));
  ops.push(appendOp('/spec', 'volumes', spec.volumes, emptyDir));
  ops.push(appendOp('/spec', 'initContainers', spec.initContainers, initContainer(pod, initName, volume, config)));

  for (const index of decision.containers) {
    const container = spec.containers[index]!;
    const base = `/spec/containers/${index}`;
    const path = freeName(mountPath, new Set((container.volumeMounts ?? []).map((m) => mountedDirectory(m.mountPath))));
    const mount = sharedFor<V1VolumeMount>(config, `mount\0${volume}\0${path}`, () => ({ name: volume, mountPath: path, readOnly: true }));
    ops.push(appendOp(base, 'volumeMounts', container.volumeMounts, mount));
    ops.push({ op: container.env === undefined ? 'add' : 'replace', path: `${base}/env`, value: containerEnv(decision, container, path, config) });
  }
  return ops;
}
