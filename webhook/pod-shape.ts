/**
 * The API server decodes a pod before mutating admission but validates it only
 * after, so the object we see may be odd. This checks exactly the fields the patch
 * reads or extends, and says which one is wrong.
 */
import type { V1Pod } from '@kubernetes/client-node';

export type ShapeResult = { ok: true; pod: V1Pod } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringMap(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) return `${where} is not an object`;
  for (const [k, val] of Object.entries(v)) if (typeof val !== 'string') return `${where}["${k}"] is not a string`;
  return undefined;
}

function namedList(v: unknown, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return `${where} is not an array`;
  for (const [i, item] of v.entries()) {
    if (!isObject(item)) return `${where}[${i}] is not an object`;
    if (typeof item.name !== 'string' || item.name === '') return `${where}[${i}].name is not a non-empty string`;
  }
  return undefined;
}

function containerError(c: Record<string, unknown>, where: string): string | undefined {
  if (c.envFrom !== undefined && !Array.isArray(c.envFrom)) return `${where}.envFrom is not an array`;
  const envError = namedList(c.env, `${where}.env`);
  if (envError !== undefined) return envError;
  for (const [i, e] of ((c.env as Record<string, unknown>[] | undefined) ?? []).entries()) {
    if (e.value !== undefined && typeof e.value !== 'string') return `${where}.env[${i}].value is not a string`;
  }
  if (c.volumeMounts === undefined) return undefined;
  if (!Array.isArray(c.volumeMounts)) return `${where}.volumeMounts is not an array`;
  for (const [i, m] of c.volumeMounts.entries()) {
    if (!isObject(m) || typeof m.mountPath !== 'string') return `${where}.volumeMounts[${i}].mountPath is not a string`;
  }
  return undefined;
}

export function checkPodShape(object: unknown): ShapeResult {
  const fail = (error: string): ShapeResult => ({ ok: false, error });
  if (!isObject(object)) return fail('object is missing or not an object');
  if (object.kind !== undefined && object.kind !== 'Pod') return fail(`object.kind is ${JSON.stringify(object.kind)}, not "Pod"`);
  const { metadata, spec } = object;
  if (metadata !== undefined) {
    if (!isObject(metadata)) return fail('metadata is not an object');
    const e = stringMap(metadata.annotations, 'metadata.annotations') ?? stringMap(metadata.labels, 'metadata.labels');
    if (e !== undefined) return fail(e);
  }
  if (!isObject(spec)) return fail('spec is missing or not an object');
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) return fail('spec.containers is missing or empty');
  const e =
    namedList(spec.containers, 'spec.containers') ??
    namedList(spec.initContainers, 'spec.initContainers') ??
    namedList(spec.volumes, 'spec.volumes');
  if (e !== undefined) return fail(e);
  for (const [i, c] of (spec.containers as Record<string, unknown>[]).entries()) {
    const ce = containerError(c, `spec.containers[${i}]`);
    if (ce !== undefined) return fail(ce);
  }
  if (spec.securityContext !== undefined && !isObject(spec.securityContext)) return fail('spec.securityContext is not an object');
  if (spec.os !== undefined && (!isObject(spec.os) || typeof spec.os.name !== 'string')) return fail('spec.os.name is not a string');
  return { ok: true, pod: object as V1Pod };
}
