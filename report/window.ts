/**
 * The evidence window of a report: `--since` and `--until`, each a duration back from now
 * (`7d`, `36h`, `2w`, Prometheus' units) or an RFC 3339 instant. PromQL gets the window as an
 * instant query at `until` over a range of whole seconds.
 */
import { ReportError } from './errors.js';
import type { EvidenceWindow } from './model.js';

export interface Window {
  since: Date;
  until: Date;
  /** until - since, in whole seconds (what goes into `[...s]`). */
  seconds: number;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
const DURATION = /^(?:(\d+)(ms|s|m|h|d|w|y))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d|w|y)/g;

/** Seconds in a Prometheus-style duration (`1w2d`, `36h`), or undefined when it is not one. */
export function durationSeconds(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(DURATION_PART)) seconds += Number(n) * UNIT_SECONDS[unit!]!;
  return seconds;
}

function instant(option: string, text: string, now: Date): Date {
  const seconds = durationSeconds(text);
  if (seconds !== undefined) return new Date(now.getTime() - seconds * 1000);
  // An RFC 3339 instant must say its offset; a bare date would be read in local time.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return new Date(text);
  throw new ReportError(`${option} ${JSON.stringify(text)}: give a duration back from now (7d, 36h, 2w) or an RFC 3339 instant (2026-11-01T00:00:00Z)`);
}

export function parseWindow(since: string, until: string | undefined, now = new Date()): Window {
  const end = until === undefined ? now : instant('--until', until, now);
  const start = instant('--since', since, durationSeconds(since) !== undefined ? end : now);
  const seconds = Math.round((end.getTime() - start.getTime()) / 1000);
  if (seconds < 60) throw new ReportError(`the window ${start.toISOString()} .. ${end.toISOString()} is shorter than a minute: --since must be before --until`);
  return { since: new Date(end.getTime() - seconds * 1000), until: end, seconds };
}

export function evidenceWindow(window: Window): EvidenceWindow {
  return { since: window.since.toISOString(), until: window.until.toISOString() };
}

/** `7d`, `36h`, `90m`: the largest unit that divides the seconds evenly, for people. */
export function humanDuration(seconds: number): string {
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (seconds % size === 0 && seconds >= size) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
