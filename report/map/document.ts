/**
 * `report map`: the window's DependencyData as the self-contained HTML map (layout computed
 * here, the built page script inlined), or as the plain JSON the map embeds; to a file
 * (`--out FILE`) or stdout.
 */
import { writeFileSync } from 'node:fs';
import { ReportError } from '../errors.js';
import type { DependencyData } from '../model.js';
import { readMapScript } from './bundle.js';
import { renderMapHtml } from './html.js';
import { computeLayout } from './layout.js';

export const MAP_FORMATS = ['html', 'json'] as const;
export type MapFormat = (typeof MAP_FORMATS)[number];

export function mapDocument(data: DependencyData, format: MapFormat): string {
  if (format === 'json') return `${JSON.stringify(data)}\n`;
  return renderMapHtml(data, computeLayout(data), readMapScript());
}

export function writeMap(data: DependencyData, options: { output: MapFormat; out?: string }): void {
  const text = mapDocument(data, options.output);
  if (options.out === undefined) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(options.out, text);
  } catch (error) {
    throw new ReportError(`cannot write the map to ${options.out}: ${(error as Error).message}`);
  }
}
