/** What the local UI shows: the report's graph and map, over the run's recent past. */
import { ReportError } from '../report/errors.js';
import { loadDependencies } from '../report/load.js';
import { readMapScript } from '../report/map/bundle.js';
import { renderMapHtml } from '../report/map/html.js';
import { computeLayout } from '../report/map/layout.js';
import type { DependencyData } from '../report/model.js';
import { prometheusClient } from '../report/prometheus.js';
import { evidenceWindow, parseWindow } from '../report/window.js';

/** A local run is short: the last hour covers all of it, and increase() needs a range. */
const LOCAL_WINDOW = '1h';

export async function loadLocalGraph(prometheusUrl: string): Promise<DependencyData> {
  const window = parseWindow(LOCAL_WINDOW, undefined);
  const prometheus = prometheusClient(prometheusUrl, { timeoutMs: 10_000 });
  try {
    return await loadDependencies(prometheus, window);
  } catch (error) {
    // Before the first counts arrive the map is empty, not an error.
    if (error instanceof ReportError && /no dependency counts/.test(error.message)) return { window: evidenceWindow(window), nodes: [], edges: [] };
    throw error;
  }
}

export function renderLocalMap(data: DependencyData): string {
  return renderMapHtml(data, computeLayout(data), readMapScript());
}
