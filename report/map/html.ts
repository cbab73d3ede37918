/**
 * The map as one HTML document: markup, style, the bundled script, the DependencyData and
 * the precomputed layout, all inline. The Content-Security-Policy allows nothing to be
 * fetched (no fonts, scripts, images or connections), so even a future change that tried
 * would fail loudly in the browser console instead of calling out.
 */
import type { DependencyData } from '../model.js';
import { DATA_ELEMENT_ID, LAYOUT_ELEMENT_ID, jsonForScriptElement, type MapLayout } from './embedding.js';

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'";

/** A favicon in the page itself: without one the browser asks the server for /favicon.ico. */
const FAVICON =
  "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='4' cy='4' r='3' fill='%233b6fd8'/%3E%3Ccircle cx='12' cy='6' r='3' fill='%233b6fd8'/%3E%3Crect x='5' y='10' width='6' height='6' fill='%23e08a00'/%3E%3C/svg%3E";

const STYLE = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font: 13px/1.4 system-ui, "DejaVu Sans", sans-serif; color: #1d2633; background: #f7f8fa; }
body { display: flex; }
#panel { width: 330px; flex: none; height: 100%; overflow-y: auto; background: #fff; border-right: 1px solid #d8dde3; padding: 14px 16px; }
#map { flex: 1; height: 100%; position: relative; }
h1 { font-size: 16px; margin: 0 0 2px; }
h2 { font-size: 14px; margin: 12px 0 2px; word-break: break-all; }
.sub { color: #5b6675; margin: 0; }
section { margin-top: 14px; }
label.field { display: block; font-weight: 600; margin-bottom: 4px; }
#search-form { display: flex; gap: 6px; }
#search { flex: 1; min-width: 0; padding: 5px 7px; border: 1px solid #b9c1cc; border-radius: 4px; font: inherit; }
button, select { font: inherit; padding: 4px 8px; border: 1px solid #b9c1cc; border-radius: 4px; background: #f2f4f7; }
.row { display: flex; align-items: center; gap: 8px; margin-top: 6px; }
#search-note { color: #b42318; min-height: 1em; margin: 4px 0 0; }
.kind { display: flex; align-items: center; gap: 6px; margin: 3px 0; cursor: pointer; }
.swatch { display: inline-block; width: 11px; height: 11px; }
.swatch.circle { border-radius: 50%; }
.swatch.diamond { transform: rotate(45deg) scale(0.85); }
.hint { color: #5b6675; margin: 2px 0 6px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 2px 4px; border-bottom: 1px solid #eef0f3; vertical-align: top; }
th { font-weight: 600; color: #5b6675; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
#dependents a { color: #1f4fb5; text-decoration: none; word-break: break-all; }
#dependents a:hover { text-decoration: underline; }
.legend-item { display: flex; align-items: center; gap: 8px; margin: 3px 0; }
.line { display: inline-block; width: 26px; background: rgba(90,105,130,.5); }
#card { position: fixed; z-index: 10; max-width: 360px; background: #fff; border: 1px solid #c9d0d8; border-radius: 6px; box-shadow: 0 4px 14px rgba(0,0,0,.15); padding: 8px 10px; pointer-events: none; }
#card p { margin: 4px 0; }
.card-title { font-weight: 700; word-break: break-all; }
.card-kind { color: #5b6675; }
.card-section { margin-top: 6px; font-weight: 600; color: #5b6675; }
.fail { color: #d93838; }
`;

const BODY = `
<aside id="panel">
  <h1>Toolforge dependency map</h1>
  <p class="sub" id="window"></p>
  <p class="sub" id="summary"></p>
  <section>
    <label class="field" for="search">Find a tool or service</label>
    <form id="search-form" autocomplete="off"><input id="search" list="names" placeholder="e.g. a tool name or wmcs:wiki-replicas" spellcheck="false"><button type="submit">Focus</button></form>
    <datalist id="names"></datalist>
    <div class="row"><select id="direction" aria-label="direction"><option value="dependents" selected>dependents: who breaks if it goes</option><option value="dependencies">dependencies: what it uses</option></select></div>
    <div class="row"><label for="hops">Hops</label><select id="hops"><option value="1">direct only</option><option value="2">up to 2 hops</option><option value="3">up to 3 hops</option><option value="5">up to 5 hops</option><option value="all" selected>all hops</option></select><button type="button" id="clear">Clear</button></div>
    <p id="search-note"></p>
  </section>
  <section id="kinds"><label class="field">Show</label></section>
  <section id="focus-result"></section>
  <section>
    <label class="field">Legend</label>
    <div class="legend-item"><span class="line" style="height:1px"></span><span class="line" style="height:4px"></span> edge width: requests (log scale), arrow points to what is used</div>
    <div class="legend-item"><span class="line" style="height:3px;background:#d93838"></span> edge with failed requests</div>
    <div class="legend-item">node size: requests received · hover: detail · click: focus · double-click background: clear</div>
  </section>
</aside>
<div id="map"></div>
<div id="card" hidden></div>
`;

/**
 * `script` is the built browser bundle (bundle.ts). Inside a script element only `</script`
 * would end it early; in minified code that text can only occur inside a string or regular
 * expression literal, where `<\/script` means the same.
 */
export function renderMapHtml(data: DependencyData, layout: MapLayout, script: string): string {
  const safeScript = script.replace(/<\/script/gi, '<\\/script');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Toolforge dependency map</title>
<link rel="icon" href="${FAVICON}">
<style>${STYLE}</style>
</head>
<body>${BODY}
<script type="application/json" id="${DATA_ELEMENT_ID}">${jsonForScriptElement(data)}</script>
<script type="application/json" id="${LAYOUT_ELEMENT_ID}">${jsonForScriptElement(layout)}</script>
<script>${safeScript}</script>
</body>
</html>
`;
}
