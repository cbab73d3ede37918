/**
 * Toolforge's admission rules (reference/toolforge-facts.md) and the project's own
 * (DESIGN.md, non-negotiable 2 and 5) as pure checks over rendered objects: images only
 * from Toolforge's registries; no host access, root, privilege or capability anywhere,
 * except what the node agents need (the node collector's hostPort, the eBPF agent's
 * privileged hostPID container with its one read-only host mount), each named in
 * `exemptions` down to the workload kind, container and host path.
 */
import type { K8sObject } from './helm.js';

/** registry-admission's list (toolforge-facts.md), deliberately not read from the chart's values. */
export const toolforgeRegistries = ['docker-registry.svc.toolforge.org', 'docker-registry.tools.wmflabs.org', 'tools-harbor.wmcloud.org'];

export type HostAccess = 'privileged' | 'root' | 'hostPath' | 'hostPID' | 'hostIPC' | 'hostNetwork' | 'hostPort' | 'capabilities' | 'privilegeEscalation' | 'seccomp';

/**
 * What a component may do beyond the rules, and exactly where: in which kind of workload,
 * for which containers (privilege, root, capabilities, seccomp, host ports are container
 * settings), with which host paths. Everything else gets nothing.
 */
export interface Exemption {
  workloadKind: string;
  access: ReadonlySet<HostAccess>;
  containers: ReadonlySet<string>;
  /** The host paths its hostPath volumes may name (always mounted read-only). */
  hostPaths: ReadonlySet<string>;
}

export const exemptions: Record<string, Exemption> = {
  // Tools reach it at status.hostIP:4318; hostNetwork is the documented alternative.
  'node-collector': { workloadKind: 'DaemonSet', access: new Set<HostAccess>(['hostPort', 'hostNetwork']), containers: new Set(['collector']), hostPaths: new Set() },
  // bpftrace: kernel probes (privileged, which also means no seccomp filter, all
  // capabilities and privilege escalation), every process of the node (hostPID), and the
  // node's sssd sockets so a uid resolves to its LDAP tool account. Not hostNetwork: the
  // node collector identifies it by pod IP.
  agent: {
    workloadKind: 'DaemonSet',
    access: new Set<HostAccess>(['privileged', 'root', 'hostPath', 'hostPID', 'capabilities', 'privilegeEscalation', 'seccomp']),
    containers: new Set(['agent']),
    hostPaths: new Set(['/var/lib/sss/pipes']),
  },
};

interface Container {
  name: string;
  image?: string;
  ports?: Array<{ hostPort?: number }>;
  volumeMounts?: Array<{ name: string; readOnly?: boolean }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    privileged?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    seccompProfile?: { type?: string };
  };
}

interface PodSpec {
  hostPID?: boolean;
  hostIPC?: boolean;
  hostNetwork?: boolean;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } };
  containers?: Container[];
  initContainers?: Container[];
  volumes?: Array<{ name: string; hostPath?: { path?: string } }>;
}

/** The pod template of a workload object; undefined for objects that run nothing. */
export function podSpecOf(object: K8sObject): PodSpec | undefined {
  const spec = object.spec as Record<string, any> | undefined;
  switch (object.kind) {
    case 'Pod':
      return spec as PodSpec;
    case 'Deployment':
    case 'DaemonSet':
    case 'StatefulSet':
    case 'ReplicaSet':
    case 'Job':
      return spec?.template?.spec as PodSpec;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template?.spec as PodSpec;
    default:
      return undefined;
  }
}

export const registryOf = (image: string) => image.split('/')[0] ?? '';

export function imageViolation(image: string | undefined, where: string): string | undefined {
  if (image === undefined || image === '') return `${where}: no image`;
  if (!image.includes('/') || !toolforgeRegistries.includes(registryOf(image))) {
    return `${where}: image ${image} is not from a Toolforge registry (${toolforgeRegistries.join(', ')})`;
  }
  return undefined;
}

/** Every rule the object breaks, each naming the object, container and rule. */
export function violations(object: K8sObject): string[] {
  const pod = podSpecOf(object);
  if (pod === undefined) return [];
  const component = object.metadata.labels?.['app.kubernetes.io/component'] ?? '';
  const exemption = exemptions[component]?.workloadKind === object.kind ? exemptions[component] : undefined;
  const out: string[] = [];
  const where = `${object.kind}/${object.metadata.name}`;
  const denyIn = (allowed: boolean, access: HostAccess, message: string) => {
    if (!(allowed && exemption!.access.has(access))) out.push(`${where}: ${message} (${access} is not allowed for component "${component}")`);
  };
  const deny = (access: HostAccess, message: string) => denyIn(exemption !== undefined, access, message);

  if (pod.hostPID) deny('hostPID', 'hostPID');
  if (pod.hostIPC) deny('hostIPC', 'hostIPC');
  if (pod.hostNetwork) deny('hostNetwork', 'hostNetwork');
  const hostPathVolumes = new Set((pod.volumes ?? []).filter((v) => v.hostPath !== undefined).map((v) => v.name));
  for (const v of pod.volumes ?? []) {
    if (v.hostPath === undefined) continue;
    deny('hostPath', `hostPath volume ${v.name}`);
    if (exemption?.access.has('hostPath') && !exemption.hostPaths.has(v.hostPath.path ?? '')) {
      out.push(`${where}: hostPath volume ${v.name} names ${v.hostPath.path}, not one of ${[...exemption.hostPaths].join(', ')}`);
    }
  }

  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    const at = `container ${c.name}`;
    const exempt = exemption?.containers.has(c.name) === true && (pod.containers ?? []).includes(c);
    const deny = (access: HostAccess, message: string) => denyIn(exempt, access, message);
    const image = imageViolation(c.image, `${where} ${at}`);
    if (image !== undefined) out.push(image);
    const sc = c.securityContext ?? {};
    if (sc.privileged === true) deny('privileged', `${at} is privileged`);
    if (sc.allowPrivilegeEscalation !== false) deny('privilegeEscalation', `${at} does not set allowPrivilegeEscalation: false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) deny('capabilities', `${at} does not drop ALL capabilities`);
    if ((sc.capabilities?.add ?? []).length > 0) deny('capabilities', `${at} adds capabilities ${sc.capabilities!.add!.join(', ')}`);
    const runAsUser = sc.runAsUser ?? pod.securityContext?.runAsUser;
    const runAsNonRoot = sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    if (runAsNonRoot !== true || runAsUser === 0) deny('root', `${at} may run as root (runAsNonRoot ${runAsNonRoot}, runAsUser ${runAsUser})`);
    const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault') deny('seccomp', `${at} has seccomp profile ${seccomp ?? 'unset'}, not RuntimeDefault`);
    if (sc.readOnlyRootFilesystem !== true) out.push(`${where}: ${at} has a writable root filesystem`);
    for (const p of c.ports ?? []) if (p.hostPort !== undefined) deny('hostPort', `${at} publishes hostPort ${p.hostPort}`);
    // Even where host mounts are allowed, nothing writes to the host.
    for (const m of c.volumeMounts ?? []) {
      if (hostPathVolumes.has(m.name) && m.readOnly !== true) out.push(`${where}: ${at} mounts hostPath volume ${m.name} writable`);
    }
  }
  return out;
}
