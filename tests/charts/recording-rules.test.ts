/**
 * The dependency-history recording rules: valid for Prometheus (`promtool check rules`),
 * computing what the report reads (`promtool test rules`: the daily count per edge and
 * source, the agent's copies under service-graph names left out), and shipped by the chart
 * as a ConfigMap holding the file unchanged.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { DAILY_EDGE_REQUESTS } from '../../contract/dependency-series.js';
import { requireBinary } from '../support/binaries.js';
import { runToExit } from '../support/processes.js';
import { makeTempDir, type TempDir } from '../support/temp-dir.js';
import { chartDir, environments, render } from './helm.js';

const RULES = path.join(chartDir, 'rules', 'dependency-history.yaml');

describe('dependency-history recording rules', () => {
  let dir: TempDir;
  before(async () => {
    dir = await makeTempDir('recording-rules');
  });
  after(async () => {
    await dir?.remove();
  });

  test('promtool check rules accepts the file, and it records the name the report reads', async () => {
    const result = await runToExit({ command: requireBinary('promtool', 'prometheus'), args: ['check', 'rules', RULES] });
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /SUCCESS: 2 rules found/);
    assert.ok(readFileSync(RULES, 'utf8').includes(`record: ${DAILY_EDGE_REQUESTS}`));
  });

  test('promtool test rules: one day of requests per edge and source; the agent copy is not counted twice', async () => {
    // Counters scraped every minute for two days: 10 a minute from the preload on alpha -> beta,
    // 3 a minute from the agent on pybot -> wmcs:wiki-replicas (and its copy under service-graph names).
    const tests = {
      rule_files: [RULES],
      evaluation_interval: '1h',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'traces_service_graph_request_total{client="alpha",server="beta",connection_type="",failed="false"}', values: '0+10x2880' },
            { series: 'traces_service_graph_request_total{client="alpha",server="beta",connection_type="",failed="true"}', values: '0+1x2880' },
            { series: 'traces_service_graph_request_total{client="pybot",server="wmcs:wiki-replicas",source="toolforge-agent"}', values: '0+3x2880' },
            { series: 'toolforge_internal_dependencies_total{tool="pybot",dependency="wmcs:wiki-replicas",detail="enwiki",unit="query"}', values: '0+2x2880' },
            { series: 'toolforge_internal_dependencies_total{tool="pybot",dependency="wmcs:wiki-replicas",detail="dewiki",unit="query"}', values: '0+1x2880' },
            { series: 'traces_service_graph_request_total{client="idle",server="beta",connection_type=""}', values: '5x2880' },
          ],
          promql_expr_test: [
            {
              expr: DAILY_EDGE_REQUESTS,
              eval_time: '2d',
              exp_samples: [
                { labels: `${DAILY_EDGE_REQUESTS}{client="alpha",server="beta",source="preload"}`, value: 11 * 1440 },
                { labels: `${DAILY_EDGE_REQUESTS}{client="pybot",server="wmcs:wiki-replicas",source="agent"}`, value: 3 * 1440 },
              ],
            },
          ],
        },
      ],
    };
    const file = path.join(dir.path, 'dependency-history.test.yaml');
    writeFileSync(file, stringify(tests));
    const result = await runToExit({ command: requireBinary('promtool', 'prometheus'), args: ['test', 'rules', file] });
    assert.equal(result.code, 0, result.stderr + result.stdout);
  });

  for (const env of environments) {
    test(`${env}: the chart ships the file unchanged as a ConfigMap`, async () => {
      const objects = await render(env);
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('recording-rules'));
      assert.ok(configMap, 'a recording-rules ConfigMap');
      assert.equal((configMap as unknown as { data: Record<string, string> }).data['dependency-history.rules.yaml'], readFileSync(RULES, 'utf8'));
    });
  }
});
