// Cost of naming a destination, which the preload does on every outgoing span, against a
// trivial baseline (one Map lookup) measured in the same run on the same inputs.
// Run: node --import tsx bench/topology-classify.ts
import { classifyDestination, profileByName, rulesFromConfig, withExtraRules, type DestinationTarget } from '../topology/index.js';

const targets: DestinationTarget[] = [
  { host: 'en.wikipedia.org', port: 443, path: '/w/api.php' },
  { host: 'www.wikidata.org', port: 443, path: '/w/api.php' },
  { host: 'enwiki.analytics.db.svc.wikimedia.cloud', port: 3306, dbSystem: 'mysql', dbName: 'enwiki_p' },
  { host: 'tools.db.svc.wikimedia.cloud', port: 3306, dbSystem: 'mysql', dbName: 's51234__foo' },
  { host: 'redis.svc.tools.eqiad1.wikimedia.cloud', port: 6379, dbSystem: 'redis' },
  { host: 'xtools.toolforge.org', port: 443 },
  { host: 'api.tool-xtools.svc.tools.local', port: 8000 },
  { host: 'api.github.com', port: 443 },
  { host: 'En.Wikipedia.Org.:443' },
  { host: '[2620:0:861:ed1a::1]:443' },
  { host: '127.0.0.1', port: 8080 },
  { host: 'quarry.wmcloud.org', port: 443 },
];

// What the agent sees on a node: connect targets that are mostly bare IPs.
const agentTargets: DestinationTarget[] = [
  { host: '172.16.1.20', port: 3306 },
  { host: '185.15.56.1', port: 443 },
  { host: '2620:0:861:ed1a::1', port: 443 },
  { host: '127.0.0.1', port: 6379 },
  { host: 'en.wikipedia.org', port: 443 },
];

const plain = profileByName('toolforge');
const withRules = withExtraRules(
  plain,
  rulesFromConfig({
    rules: Array.from({ length: 10 }, (_, i) => ({ hostSuffix: `corp${i}.example`, node: `corp:c${i}`, detail: '{rest}' })),
  }),
);
const map = new Map(targets.map((t) => [t.host, { node: 'x', kind: 'service' }]));

let sink = 0;
function measure(inputs: DestinationTarget[], fn: (t: DestinationTarget) => { node: string } | undefined, iterations: number): number {
  for (let i = 0; i < 20_000; i++) sink += fn(inputs[i % inputs.length]!)?.node.length ?? 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += fn(inputs[i % inputs.length]!)?.node.length ?? 0;
  return Number(process.hrtime.bigint() - start) / iterations;
}

const iterations = 500_000;
const rounds = 5;
const agentMap = new Map(agentTargets.map((t) => [t.host, { node: 'x', kind: 'service' }]));
const results = { baseline: [] as number[], classify: [] as number[], classifyWithRules: [] as number[], agentBaseline: [] as number[], agent: [] as number[] };
// Interleaved rounds, median kept: the machine is shared and noisy.
for (let round = 0; round < rounds; round++) {
  results.baseline.push(measure(targets, (t) => map.get(t.host!), iterations));
  results.classify.push(measure(targets, (t) => classifyDestination(t, plain), iterations));
  results.classifyWithRules.push(measure(targets, (t) => classifyDestination(t, withRules), iterations));
  results.agentBaseline.push(measure(agentTargets, (t) => agentMap.get(t.host!), iterations));
  results.agent.push(measure(agentTargets, (t) => classifyDestination(t, plain), iterations));
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = median(results.baseline);
const agentBase = median(results.agentBaseline);
const line = (label: string, ns: number, baseline: number): string =>
  `  ${label.padEnd(40)}${ns.toFixed(1).padStart(8)} ns/op   x${(ns / baseline).toFixed(2)}`;
console.log(`topology classify bench: ${iterations} calls x ${rounds} interleaved rounds, median per call`);
console.log(`preload mix (${targets.length} targets: wikis, replicas, ToolsDB, Redis, tools, internet, IPs):`);
console.log(line('baseline Map.get(host)', base, base));
console.log(line('classifyDestination (toolforge)', median(results.classify), base));
console.log(line('classifyDestination (+10 extra rules)', median(results.classifyWithRules), base));
console.log(`agent mix (${agentTargets.length} targets, mostly IP literals):`);
console.log(line('baseline Map.get(host)', agentBase, agentBase));
console.log(line('classifyDestination (toolforge)', median(results.agent), agentBase));
if (sink === 42) console.log('');
