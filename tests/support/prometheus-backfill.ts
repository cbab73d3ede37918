import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { runToExit } from './processes.js';
import { startPrometheus, type TestPrometheus } from './prometheus.js';

/**
 * A real Prometheus holding data written beforehand: series as OpenMetrics text, turned into
 * TSDB blocks by `promtool tsdb create-blocks-from openmetrics` in the data directory
 * before Prometheus starts (no hand-made query responses anywhere).
 */

export interface Series {
  labels: Record<string, string>;
  /** [unix seconds, value], in time order. */
  samples: Array<[number, number]>;
}

export interface MetricFamily {
  /** The sample name: `x_total` for a counter, anything for a gauge. */
  name: string;
  type: 'counter' | 'gauge';
  series: Series[];
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** OpenMetrics exposition with timestamps; every family's samples together, each series in time order. */
export function openMetricsText(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    const familyName = family.type === 'counter' ? family.name.replace(/_total$/, '') : family.name;
    lines.push(`# TYPE ${familyName} ${family.type}`);
    for (const series of family.series) {
      const labels = Object.entries(series.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(',');
      for (const [t, v] of series.samples) lines.push(`${family.name}{${labels}} ${v} ${t}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the blocks into `<workDir>/prometheus-data` (where startPrometheus keeps its storage).
 * promtool reads its whole input once per 2-hour block between the first and the last sample,
 * so months of sparse data go in one file per UTC day that has samples.
 */
export async function backfill(workDir: string, families: MetricFamily[]): Promise<void> {
  const promtool = requireBinary('promtool', 'prometheus');
  const dataDir = join(workDir, 'prometheus-data');
  mkdirSync(dataDir, { recursive: true });
  const days = new Map<number, MetricFamily[]>();
  for (const family of families) {
    for (const series of family.series) {
      const byDay = new Map<number, Array<[number, number]>>();
      for (const sample of series.samples) {
        const day = Math.floor(sample[0] / 86_400);
        const list = byDay.get(day) ?? [];
        list.push(sample);
        byDay.set(day, list);
      }
      for (const [day, samples] of byDay) {
        const dayFamilies = days.get(day) ?? [];
        let dayFamily = dayFamilies.find((f) => f.name === family.name);
        if (!dayFamily) dayFamilies.push((dayFamily = { name: family.name, type: family.type, series: [] }));
        dayFamily.series.push({ labels: series.labels, samples });
        days.set(day, dayFamilies);
      }
    }
  }
  for (const [day, dayFamilies] of [...days].sort((a, b) => a[0] - b[0])) {
    const input = join(workDir, `backfill-${day}.om`);
    writeFileSync(input, openMetricsText(dayFamilies));
    const result = await runToExit({ name: 'promtool create-blocks-from openmetrics', command: promtool, args: ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', input, dataDir] }, 300_000);
    if (result.code !== 0) throw new Error(`promtool failed on ${input} (${result.code}): ${result.stderr}${result.stdout}`);
  }
}

/** Backfills `families`, then starts Prometheus on that storage with a retention long enough to keep all of it. */
export async function startBackfilledPrometheus(options: { workDir: string; families: MetricFamily[]; routePrefix?: string; queryLogFile?: string }): Promise<TestPrometheus> {
  await backfill(options.workDir, options.families);
  return startPrometheus({ ...options, args: ['--storage.tsdb.retention.time=100y'] });
}
