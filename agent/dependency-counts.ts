/**
 * The daemon's edge counters: cumulative for its whole life (a bpftrace restart only adds),
 * keyed by the exported label set. A series seen for the first time is exported at 0 and
 * gets its count one hold period later: Prometheus' increase() cannot see what a series
 * already held in its first sample (the same reason Tempo writes an initial 0).
 */
import type { AgentUnit } from '../contract/dependency-series.js';

export interface EdgeLabels {
  tool: string;
  dependency: string;
  detail: string;
  unit: AgentUnit;
  /** Cloud VPS: `<vm>/<unit or user>` (absent on Toolforge). */
  clientDetail?: string;
}

export interface EdgeCount {
  labels: EdgeLabels;
  total: number;
  failed: number;
}

interface Held {
  total: number;
  failed: number;
  releaseAt: number;
}

export function edgeId(labels: EdgeLabels): string {
  return JSON.stringify([labels.tool, labels.dependency, labels.detail, labels.unit, labels.clientDetail ?? null]);
}

export class DependencyCounts {
  private readonly edges = new Map<string, EdgeCount>();
  private readonly held = new Map<string, Held>();

  constructor(private readonly holdNewSeriesMs: number) {}

  /** `count` events, `failed` of them failures (a failure found after its event was counted comes with count 0). */
  add(labels: EdgeLabels, count: number, failed: number, now: number): void {
    const id = edgeId(labels);
    let edge = this.edges.get(id);
    if (edge === undefined) {
      edge = { labels, total: 0, failed: 0 };
      this.edges.set(id, edge);
      this.held.set(id, { total: 0, failed: 0, releaseAt: now + this.holdNewSeriesMs });
    }
    const held = this.held.get(id);
    if (held !== undefined && now < held.releaseAt) {
      held.total += count;
      held.failed += failed;
      return;
    }
    edge.total += count;
    edge.failed += failed;
  }

  /** Moves held counts whose period is over into the exported totals. */
  release(now: number): void {
    for (const [id, held] of this.held) {
      if (now < held.releaseAt) continue;
      const edge = this.edges.get(id)!;
      edge.total += held.total;
      edge.failed += held.failed;
      this.held.delete(id);
    }
  }

  /** Everything held, released at once (the final flush before exit). */
  releaseAll(): void {
    this.release(Number.POSITIVE_INFINITY);
  }

  all(): IterableIterator<EdgeCount> {
    return this.edges.values();
  }

  get size(): number {
    return this.edges.size;
  }
}
