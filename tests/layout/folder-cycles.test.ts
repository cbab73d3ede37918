/**
 * The top-level folders (cli/, contract/, webhook/, preload/, ...) import each other in one
 * direction only: a cycle between two of them (cli/ registering webhook/'s command while
 * webhook/ took the version from cli/) means a shared value lives in the wrong folder and
 * belongs in contract/ or topology/. The graph is every relative import, export-from,
 * dynamic import() and require() of every source file, as TypeScript's own pre-parser reads
 * them; bare package names are not folders of ours and are left out.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DirectedGraph } from 'graphology';
import { stronglyConnectedComponents } from 'graphology-components';
import ts from 'typescript';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE = /\.(?:[cm]?ts|[cm]?js)$/;
const NOT_SOURCE = new Set(['node_modules', 'dist', '.git']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return NOT_SOURCE.has(entry.name) ? [] : sourceFiles(file);
    return SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [file] : [];
  });
}

/** The top-level folder a repository path is in, or undefined for a file at the root or outside. */
function topFolder(file: string): string | undefined {
  const parts = path.relative(repoRoot, file).split(path.sep);
  return parts.length > 1 && parts[0] !== '..' ? parts[0] : undefined;
}

/** folder -> folder it imports -> one file-level import that makes the edge (for the message). */
function folderImports(): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(repoRoot)) {
    const from = topFolder(file);
    if (from === undefined) continue;
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) continue;
      const to = topFolder(path.resolve(path.dirname(file), specifier));
      if (to === undefined || to === from) continue;
      const targets = edges.get(from) ?? new Map<string, string>();
      if (!targets.has(to)) targets.set(to, `${path.relative(repoRoot, file)} imports ${specifier}`);
      edges.set(from, targets);
    }
  }
  return edges;
}

test('no two top-level folders import each other, directly or through others', () => {
  const edges = folderImports();
  const graph = new DirectedGraph();
  for (const [from, targets] of edges) for (const to of targets.keys()) graph.mergeEdge(from, to);
  // The scan found the folders that do depend on each other (a scan that reads nothing passes trivially).
  assert.ok(graph.hasEdge('cli', 'webhook') && graph.hasEdge('webhook', 'contract'), 'the import scan missed cli -> webhook or webhook -> contract');
  const cycles = stronglyConnectedComponents(graph).filter((component) => component.length > 1);
  const explain = (component: string[]): string =>
    [...edges]
      .filter(([from]) => component.includes(from))
      .flatMap(([, targets]) => [...targets].filter(([to]) => component.includes(to)).map(([, why]) => `  ${why}`))
      .join('\n');
  assert.deepEqual(
    cycles.map((component) => component.sort()),
    [],
    cycles.map((component) => `folders ${component.join(', ')} import each other:\n${explain(component)}`).join('\n'),
  );
});
