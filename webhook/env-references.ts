/**
 * Pure: which variables an env value refers to as `$(NAME)`. The kubelet expands such a
 * reference only from entries defined earlier in the container's list (`$$` escapes a `$`,
 * an unclosed `$(` is kept as text), so our variables must come before any entry of the
 * tool's that refers to one of them.
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
export function firstReferenceTo(env: readonly V1EnvVar[], names: ReadonlySet<string>): number {
  const found = env.findIndex((e) => e.value !== undefined && referencedNames(e.value).some((n) => names.has(n)));
  return found < 0 ? env.length : found;
}

/** `text` written so that the kubelet passes it on unchanged: every `$` as `$$`. */
export const unexpanded = (text: string): string => text.replaceAll('$', '$$$$');
