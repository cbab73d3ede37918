/**
 * Pure: where our env entries go among the tool's. The kubelet expands a `$(NAME)` in a
 * value only from entries defined earlier in the container's list (`$$` escapes a `$`, an
 * unclosed `$(` is kept as text), so each of ours must come before the tool's entries that
 * refer to it, and after the tool's entries its own value refers to (the tool's pairs we
 * keep in OTEL_RESOURCE_ATTRIBUTES).
 */
import type { V1EnvVar } from '@kubernetes/client-node';

/** The names `value` refers to, read as the kubelet's expansion reads it. */
export function referencedNames(value: string): string[] {
  const names: string[] = [];
  for (let i = value.indexOf('$'); i >= 0 && i < value.length - 1; i = value.indexOf('$', i)) {
    const next = value[i + 1];
    if (next === '$') {
      i += 2;
      continue;
    }
    if (next === '(') {
      const close = value.indexOf(')', i + 2);
      if (close < 0) break;
      names.push(value.slice(i + 2, close));
      i = close + 1;
      continue;
    }
    i += 1;
  }
  return names;
}

/** Index of the first entry whose literal value refers to one of `names`; `env.length` when none does. */
function firstReferenceTo(env: readonly V1EnvVar[], names: ReadonlySet<string>): number {
  const found = env.findIndex((e) => e.value !== undefined && referencedNames(e.value).some((n) => names.has(n)));
  return found < 0 ? env.length : found;
}

/** Index of the last entry `value` refers to; -1 when it refers to none of `env`. */
function lastReferencedBy(value: string | undefined, env: readonly V1EnvVar[]): number {
  if (value === undefined) return -1;
  const names = new Set(referencedNames(value));
  return env.findLastIndex((e) => names.has(e.name));
}

/**
 * `kept` with `ours` placed: as a block before the first of the tool's entries that refers
 * to one of ours, or last when none does (so most pods look as they always did); one of
 * ours that refers to a tool entry after that point goes right after it, unless a tool
 * entry before that refers to it (a reference to ours wins). Ours keep their order.
 */
export function placeEnv(kept: readonly V1EnvVar[], ours: readonly V1EnvVar[]): V1EnvVar[] {
  const block = firstReferenceTo(kept, new Set(ours.map((e) => e.name)));
  const slots = ours.map((e) => Math.max(block, Math.min(lastReferencedBy(e.value, kept) + 1, firstReferenceTo(kept, new Set([e.name])))));
  const placed: V1EnvVar[] = [];
  for (let i = 0; i <= kept.length; i++) {
    for (const [j, e] of ours.entries()) if (slots[j] === i) placed.push(e);
    if (i < kept.length) placed.push(kept[i]!);
  }
  return placed;
}

/** `text` written so that the kubelet passes it on unchanged: every `$` as `$$`. */
export const unexpanded = (text: string): string => text.replaceAll('$', '$$$$');
