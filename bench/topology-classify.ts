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

const plain = profileByName('toolforge');
const withRules = withExtraRules(
  plain,
  rulesFromConfig({
    rules: Array.from({ length: 10 }, (_, i) => ({ hostSuffix: `corp${i}.example`, node: `corp:c${i}`, detail: '{rest}' })),
  }),
);
const map = new Map(targets.map((t) => [t.host, { node: 'x', kind: 'service' }]));

let sink = 0;
function measure(label: string, fn: (t: DestinationTarget) => { node: string } | undefined, iterations: number): number {
  for (let i = 0; i < 20_000; i++) sink += fn(targets[i % targets.length]!)?.node.length ?? 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += fn(targets[i % targets.length]!)?.node.length ?? 0;
  const ns = Number(process.hrtime.bigint() - start) / iterations;
  void label;
  return ns;
}

const iterations = 500_000;
const rounds = 5;
const results = { baseline: [] as number[], classify: [] as number[], classifyWithRules: [] as number[] };
// Interleaved rounds, median kept: the machine is shared and noisy.
for (let round = 0; round < rounds; round++) {
  results.baseline.push(measure('baseline', (t) => map.get(t.host!), iterations));
  results.classify.push(measure('classify', (t) => classifyDestination(t, plain), iterations));
  results.classifyWithRules.push(measure('classify+10 rules', (t) => classifyDestination(t, withRules), iterations));
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = median(results.baseline);
console.log(`topology classify bench: ${targets.length} realistic targets, ${iterations} calls x ${rounds} rounds, median per call`);
console.log(`  baseline Map.get(host)              ${base.toFixed(1).padStart(8)} ns/op   x1.00`);
for (const [label, key] of [
  ['classifyDestination (toolforge)', 'classify'],
  ['classifyDestination (+10 extra rules)', 'classifyWithRules'],
] as const) {
  const ns = median(results[key]);
  console.log(`  ${label.padEnd(36)}${ns.toFixed(1).padStart(8)} ns/op   x${(ns / base).toFixed(2)}`);
}
if (sink === 42) console.log('');
