/**
 * The JSON text of a patch. Values marked `shared` are the same in every pod's patch
 * (our volume, our init container, the downward-API env entries); their text is made
 * once, when they are marked, and reused. Serializing the patch was the largest share
 * of an admission's CPU (bench/webhook-throughput.ts), and these values are most of
 * its bytes. The text is exactly what JSON.stringify would write (tests/webhook/patch-json.test.ts,
 * and every patch of tests/webhook/property.test.ts).
 */
import type { PatchOp } from './patch.js';

const sharedText = new WeakMap<object, string>();

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Frozen, since every patch that carries it shares the object and its text. The items of a shared list are shared too (lists get spread into others). */
export function shared<T extends object>(value: T): T {
  sharedText.set(value, JSON.stringify(value));
  if (Array.isArray(value)) for (const item of value) if (typeof item === 'object' && item !== null) shared(item);
  return deepFreeze(value);
}

/** A list mixes shared and pod-specific items: each run of the latter is serialized in one call. */
function listJson(list: readonly unknown[]): string {
  const parts: string[] = [];
  let run: unknown[] = [];
  const flush = () => {
    if (run.length > 0) parts.push(JSON.stringify(run).slice(1, -1));
    run = [];
  };
  for (const item of list) {
    const text = typeof item === 'object' && item !== null ? sharedText.get(item) : undefined;
    if (text === undefined) run.push(item);
    else {
      flush();
      parts.push(text);
    }
  }
  flush();
  return `[${parts.join(',')}]`;
}

function valueJson(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const text = sharedText.get(value);
    if (text !== undefined) return text;
    if (Array.isArray(value)) return listJson(value);
  }
  return JSON.stringify(value);
}

export function patchJson(ops: readonly PatchOp[]): string {
  return `[${ops.map((op) => `{"op":${JSON.stringify(op.op)},"path":${JSON.stringify(op.path)},"value":${valueJson(op.value)}}`).join(',')}]`;
}
