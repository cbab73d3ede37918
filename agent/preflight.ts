/**
 * What this node lets the agent do: one clear line per missing privilege or kernel
 * feature, and the probe groups that can still run. Mounts tracefs when it is missing
 * (DaemonSets and fresh VMs often have it unmounted, and every tracepoint needs it).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PROBE_GROUPS, type ProbeGroup } from './program.js';

export const TRACEFS = '/sys/kernel/tracing';

export interface NodeFeatures {
  root: boolean;
  bpftrace: boolean;
  tracefs: boolean;
  uprobes: boolean;
}

/** Pure: the groups these features allow, and a line for each thing missing. */
export function groupsFor(features: NodeFeatures): { groups: Set<ProbeGroup>; problems: string[] } {
  const problems: string[] = [];
  const groups = new Set<ProbeGroup>(PROBE_GROUPS);
  if (!features.bpftrace) {
    problems.push('bpftrace not found (Debian package bpftrace, or --bpftrace PATH): no probes');
    groups.clear();
  }
  if (!features.root) {
    problems.push('not running as root: bpftrace needs CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN and CAP_SYS_RESOURCE: no probes');
    groups.clear();
  }
  if (!features.tracefs) {
    problems.push(`tracefs is not mounted at ${TRACEFS} and mounting it failed: no tracepoints (connects, writes, opens, opt-out marks)`);
    for (const group of ['marks', 'tcp', 'writes', 'files'] as const) groups.delete(group);
  }
  if (!features.uprobes) {
    problems.push('no uprobes (/sys/bus/event_source/devices/uprobe): no host names from getaddrinfo, no TLS server names or HTTPS requests');
    groups.delete('dns');
    groups.delete('tls');
  }
  return { groups, problems };
}

/** Mounts tracefs if needed; false when it is still missing. */
export function ensureTracefs(): boolean {
  if (existsSync(`${TRACEFS}/events`)) return true;
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return false;
  }
  return existsSync(`${TRACEFS}/events`);
}

export function probeNode(bpftrace: string): NodeFeatures {
  const root = process.getuid?.() === 0;
  let hasBpftrace = true;
  try {
    execFileSync(bpftrace, ['--version'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    hasBpftrace = false;
  }
  return {
    root,
    bpftrace: hasBpftrace,
    tracefs: root ? ensureTracefs() : existsSync(`${TRACEFS}/events`),
    uprobes: existsSync('/sys/bus/event_source/devices/uprobe'),
  };
}
