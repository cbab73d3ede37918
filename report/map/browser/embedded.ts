/// <reference lib="dom" />
/**
 * Reads what report/map/html.ts embedded in the page: the DependencyData and the layout
 * computed in Node (x, y per node, in the order of the graph's nodes).
 */
import type { DependencyData } from '../../model.js';
import { DATA_ELEMENT_ID, LAYOUT_ELEMENT_ID, type MapLayout } from '../embedding.js';

function readJson<T>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the map page has no #${id} element`);
  return JSON.parse(element.textContent ?? '') as T;
}

export function embeddedData(): { data: DependencyData; layout: MapLayout } {
  const data = readJson<DependencyData>(DATA_ELEMENT_ID);
  const layout = readJson<MapLayout>(LAYOUT_ELEMENT_ID);
  return { data, layout };
}
