/**
 * docs/operators/agent.md states facts that code decides; each is compared here with the
 * code: the series names, labels and units (contract/dependency-series.ts), what the chart
 * renders for the agent (host mount, arguments, PriorityClass), and the mapping from the
 * old NFS tracer's labels (topology's classifyPath on the paths each label stood for).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import {
  AGENT_DEPENDENCIES,
  AGENT_DEPENDENCY_FAILURES,
  AGENT_LABELS,
  AGENT_SOURCE,
  AGENT_UNITS,
  SERVICE_GRAPH_DETAIL_LABEL,
  SERVICE_GRAPH_FAILED_REQUESTS,
  SERVICE_GRAPH_REQUESTS,
  SOURCE_LABEL,
} from '../../contract/dependency-series.js';
import { classifyPath, profileByName } from '../../topology/index.js';
import { find, render, repoRoot } from '../charts/helm.js';
import { podSpecOf } from '../charts/toolforge-rules.js';
import { docSection } from './unit-file.js';

const doc = readFileSync(path.join(repoRoot, 'docs', 'operators', 'agent.md'), 'utf8');

/** The rows of the `index`th Markdown table in a section (0 = the first), header left out: cells without the outer pipes. */
function tableRows(section: string, index = 0): string[][] {
  const tables: string[][] = [];
  let previous = false;
  for (const line of section.split('\n')) {
    const isRow = line.startsWith('|');
    if (isRow && !previous) tables.push([]);
    if (isRow) tables[tables.length - 1]!.push(line);
    previous = isRow;
  }
  return (tables[index] ?? [])
    .filter((l) => !/^\|[-| ]+\|$/.test(l))
    .slice(1)
    .map((l) => l.slice(1, -1).split('|').map((c) => c.trim()));
}

const codeNames = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe('docs/operators/agent.md says what the code does', () => {
  test('series: the names, labels and units of contract/dependency-series.ts', () => {
    const section = docSection(doc, '## Series');
    const rows = new Map(tableRows(section).map((r) => [codeNames(r[0]!)[0]!, r]));
    assert.deepEqual([...rows.keys()].sort(), [AGENT_DEPENDENCIES, AGENT_DEPENDENCY_FAILURES, SERVICE_GRAPH_REQUESTS, SERVICE_GRAPH_FAILED_REQUESTS].sort());
    assert.deepEqual(codeNames(rows.get(AGENT_DEPENDENCIES)![1]!), Object.values(AGENT_LABELS));
    const graphLabels = codeNames(rows.get(SERVICE_GRAPH_REQUESTS)![1]!);
    assert.ok(graphLabels.includes(`${SOURCE_LABEL}="${AGENT_SOURCE}"`), graphLabels.join(', '));
    assert.ok(graphLabels.includes(SERVICE_GRAPH_DETAIL_LABEL), graphLabels.join(', '));
    const units = /`unit` is what one count is: (.+?)\. A process/s.exec(section)?.[1];
    assert.ok(units, 'the paragraph on units');
    assert.deepEqual(codeNames(units!).filter((u) => !u.includes(' ')), [...AGENT_UNITS]);
  });

  test("the chart: the agent's one host mount, its arguments, its PriorityClass", async () => {
    const objects = await render('tools', ['--set', 'agent.enabled=true', '--set-json', 'agent.uidMap={"50001":"tools.tf-test"}', '--set', 'agent.nfsPrefixes={/data/project}']);
    const pod = podSpecOf(find(objects, 'DaemonSet', '-agent'))!;
    const section = docSection(doc, '## Deploying on Toolforge (the chart)').replace(/\s+/g, ' ');
    for (const v of pod.volumes!.filter((v) => v.hostPath !== undefined)) {
      assert.ok(section.includes(`one host mount, read-only: the node's sssd socket directory \`${v.hostPath!.path}\``), v.hostPath!.path);
    }
    const args = (pod.containers![0] as unknown as { args: string[] }).args;
    assert.equal(args[0], 'agent');
    for (const flag of args.slice(1).map((a) => a.split('=')[0]!)) assert.ok(section.includes(`\`${flag}`), `the doc does not name ${flag}`);
    const priorityClass = find(objects, 'PriorityClass', '-agent') as unknown as { value: number; preemptionPolicy: string };
    assert.ok(section.includes(`value ${priorityClass.value}`), `the doc must give the PriorityClass value ${priorityClass.value}`);
    assert.ok(section.includes(`\`preemptionPolicy: ${priorityClass.preemptionPolicy}\``), `the doc must give preemptionPolicy ${priorityClass.preemptionPolicy}`);
  });

  test("the old NFS tracer's labels: each row is what classifyPath makes of the paths that label stood for", () => {
    const rows = new Map(tableRows(docSection(doc, "## From the file-access tracer's labels to ours")).map((r) => [r[0]!, r]));
    const toolforge = profileByName('toolforge');
    // [old label, a path it stood for, our node, our detail, how the doc's row writes that detail]
    const examples: Array<[string, string, string, string, string]> = [
      ['`tools-home`', '/data/project/othertool/data/list.json', 'othertool', 'nfs', '`nfs`'],
      ['`users-home`', '/home/alice/notes.txt', 'toolforge:nfs', 'home', '`home`'],
      ['`scratch`', '/data/scratch/bot/cache.db', 'toolforge:nfs', 'scratch', '`scratch`'],
      ['`dumps`', '/mnt/nfs/dumps-clouddumps1002.wikimedia.org/public/enwiki/20261101/x.xml.bz2', 'wmcs:dumps', 'clouddumps1002.wikimedia.org:public/enwiki', '`<server>:<dir>`'],
      ['`dumps`', '/public/dumps/public/dewiki/latest/y.xml.gz', 'wmcs:dumps', 'public/dewiki', '`public/<wiki>` for per-wiki dumps'],
      ['`dumps`', '/public/dumps/pageviews/2026/z.gz', 'wmcs:dumps', 'pageviews', 'else the top directory'],
      ['(other files under `/data/project`)', '/data/project/Not_A_Tool/f', 'toolforge:nfs', 'project', '`project`'],
    ];
    for (const [oldLabel, filePath, node, detail, docDetail] of examples) {
      assert.deepEqual(classifyPath(filePath, toolforge), { node, kind: node.includes(':') ? 'service' : 'tool', detail }, filePath);
      const row = rows.get(oldLabel);
      assert.ok(row, `no row for ${oldLabel}`);
      const nodeInDoc = node.includes(':') ? `\`${node}\`` : '`<tool>`';
      assert.ok(row![2]!.includes(nodeInDoc), `${oldLabel}: ${nodeInDoc} not in "${row![2]}"`);
      assert.ok(row![3]!.includes(docDetail), `${oldLabel}: ${docDetail} not in "${row![3]}"`);
    }
  });
});
