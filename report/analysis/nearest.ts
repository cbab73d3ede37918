/** The names closest to a mistyped one, for "unknown node" errors. */
import { distance } from 'fastest-levenshtein';
import { compare } from '../merge.js';

export function nearestNames(name: string, candidates: Iterable<string>, count = 3): string[] {
  return [...candidates]
    .map((candidate) => ({ candidate, d: distance(name, candidate) }))
    .sort((a, b) => a.d - b.d || compare(a.candidate, b.candidate))
    .slice(0, count)
    .map((c) => c.candidate);
}
