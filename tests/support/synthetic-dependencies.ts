import type { DependencyData, DependencyEdge, DependencyNode, EdgeDetail } from '../../report/model.js';

/**
 * A reproducible Toolforge-like dependency graph of any size, for the map tests and
 * bench/report.ts: tools form communities (three calls in four stay inside one), call a
 * few popular tools far more often than the rest (so there are hubs), most use some shared
 * services with per-wiki / per-database detail, a few call out to the internet, some edges
 * fail. The same options always give the same data.
 */
export interface SyntheticOptions {
  tools: number;
  /** Total edges, all kinds (tool -> tool, tool -> service, tool -> external). */
  edges: number;
  seed?: number;
  window?: { since: string; until: string };
}

const SERVICES: ReadonlyArray<{ name: string; details: readonly string[]; weight: number }> = [
  { name: 'wmcs:wiki-replicas', details: ['enwiki', 'dewiki', 'frwiki', 'wikidatawiki', 'commonswiki', 'eswiki', 'jawiki', 'ruwiki'], weight: 30 },
  { name: 'toolforge:toolsdb', details: [], weight: 18 },
  { name: 'toolforge:redis', details: [], weight: 8 },
  { name: 'wikimedia:mediawiki', details: ['en.wikipedia.org', 'www.wikidata.org', 'commons.wikimedia.org', 'de.wikipedia.org', 'meta.wikimedia.org'], weight: 30 },
  { name: 'wikimedia:wdqs', details: ['query.wikidata.org'], weight: 6 },
  { name: 'toolforge:nfs', details: ['project', 'scratch', 'home'], weight: 10 },
  { name: 'wmcs:dumps', details: ['public/enwiki', 'public/wikidatawiki'], weight: 2 },
  { name: 'toolforge:elasticsearch', details: [], weight: 1 },
  { name: 'wmcs:object-storage', details: [], weight: 1 },
  { name: 'wikimedia:eventstreams', details: ['stream.wikimedia.org'], weight: 2 },
];
const EXTERNALS: ReadonlyArray<{ name: string; details: readonly string[] }> = [
  { name: 'external:internet', details: ['api.github.com', 'www.openstreetmap.org', 'orcid.org', 'api.crossref.org'] },
  { name: 'external:ip', details: ['198.51.100.7'] },
];
const PARTS = ['wiki', 'bot', 'stat', 'cat', 'scan', 'link', 'geo', 'hack', 'list', 'ref', 'cite', 'img', 'map', 'page', 'edit', 'watch', 'lang', 'data', 'query', 'commons', 'meta', 'sync', 'diff', 'rank'];

/** mulberry32: small, fast, good enough for test data; the seed fixes the whole graph. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function toolNames(count: number, random: () => number): string[] {
  const names = new Set<string>();
  while (names.size < count) {
    const a = PARTS[Math.floor(random() * PARTS.length)]!;
    const b = PARTS[Math.floor(random() * PARTS.length)]!;
    const base = a === b ? a : `${a}${b}`;
    names.add(names.has(base) ? `${base}-${names.size}` : base);
  }
  return [...names];
}

function splitDetails(requests: number, failures: number, choices: readonly string[], random: () => number): EdgeDetail[] {
  if (choices.length === 0) return [{ detail: '', requests, failures }];
  const picked = [...new Set(Array.from({ length: 1 + Math.floor(random() * Math.min(3, choices.length)) }, () => choices[Math.floor(random() * choices.length)]!))];
  const details = picked.map((detail, i) => {
    const share = i === picked.length - 1 ? 1 : 0.6;
    return { detail, share };
  });
  let left = requests;
  let failuresLeft = failures;
  const out = details.map(({ detail, share }, i) => {
    const r = i === details.length - 1 ? left : Math.max(1, Math.floor(left * share));
    const f = i === details.length - 1 ? failuresLeft : Math.min(failuresLeft, Math.floor(failures * (r / requests)));
    left -= r;
    failuresLeft -= f;
    return { detail, requests: r, failures: f };
  });
  return out.filter((d) => d.requests > 0).sort((x, y) => y.requests - x.requests || x.detail.localeCompare(y.detail));
}

export function syntheticDependencies(options: SyntheticOptions): DependencyData {
  const random = prng(options.seed ?? 12);
  const tools = toolNames(options.tools, random);
  const nodes: DependencyNode[] = [
    ...tools.map((name) => ({ name, kind: 'tool' as const })),
    ...SERVICES.map((s) => ({ name: s.name, kind: 'service' as const })),
    ...EXTERNALS.map((e) => ({ name: e.name, kind: 'external' as const })),
  ];
  // Popularity ~ 1/rank^1.1, globally and inside each community: a few tools are called by
  // hundreds, most by none or a handful.
  const communitySize = 40;
  const communityOf = (index: number) => Math.floor(index / communitySize);
  const powerLawPick = (from: number, count: number): string => {
    let total = 0;
    for (let i = 0; i < count; i++) total += 1 / Math.pow(i + 1, 1.1);
    let r = random() * total;
    for (let i = 0; i < count; i++) if ((r -= 1 / Math.pow(i + 1, 1.1)) < 0) return tools[from + i]!;
    return tools[from]!;
  };
  const pickTool = (clientIndex: number): string => {
    if (random() < 0.25) return powerLawPick(0, tools.length);
    const start = communityOf(clientIndex) * communitySize;
    return powerLawPick(start, Math.min(communitySize, tools.length - start));
  };
  const serviceTotal = SERVICES.reduce((s, x) => s + x.weight, 0);
  const pickService = () => {
    let r = random() * serviceTotal;
    for (const s of SERVICES) if ((r -= s.weight) < 0) return s;
    return SERVICES[0]!;
  };

  const edges = new Map<string, DependencyEdge>();
  const add = (client: string, server: string, choices: readonly string[]) => {
    const key = `${client}\u0000${server}`;
    if (client === server || edges.has(key)) return;
    const requests = Math.max(1, Math.round(Math.exp(random() * 11)));
    const failures = random() < 0.08 ? Math.max(1, Math.round(requests * random() * 0.3)) : 0;
    const sourceRoll = random();
    const source = sourceRoll < 0.7 ? 'preload' : sourceRoll < 0.9 ? 'agent' : 'both';
    edges.set(key, { client, server, requests, failures, source, details: splitDetails(requests, failures, choices, random) });
  };
  const budget = options.edges;
  let attempts = 0;
  while (edges.size < budget && attempts < budget * 20) {
    attempts += 1;
    const clientIndex = Math.floor(random() * tools.length);
    const client = tools[clientIndex]!;
    const roll = random();
    if (roll < 0.58) add(client, pickTool(clientIndex), []);
    else if (roll < 0.96) {
      const service = pickService();
      add(client, service.name, service.details);
    } else {
      const external = EXTERNALS[Math.floor(random() * EXTERNALS.length)]!;
      add(client, external.name, external.details);
    }
  }
  const window = options.window ?? { since: '2026-11-24T00:00:00.000Z', until: '2026-12-01T00:00:00.000Z' };
  return { window, nodes, edges: [...edges.values()] };
}
