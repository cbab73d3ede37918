/**
 * How the map page carries its data: two `<script type="application/json">` elements,
 * written by html.ts in Node and read by browser/embedded.ts. Any `<` is written as
 * `\u003c`, so no data value (a tool name, a wiki, a host) can end the script element
 * (`</script>`) or open a comment (`<!--`); JSON.parse reads it back unchanged.
 */
export const DATA_ELEMENT_ID = 'dependency-data';
export const LAYOUT_ELEMENT_ID = 'map-layout';

/**
 * Positions computed before the page is written, flat: x0, y0, x1, y1, ... in the order of
 * `buildGraph(data).nodes()` (report/graph.ts), which the page builds from the same data.
 */
export interface MapLayout {
  positions: number[];
}

export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
