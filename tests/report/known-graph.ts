/**
 * The known graph the report tests load into a real Prometheus: events per edge on a fixed
 * timeline ending at UNTIL, turned into what the pipeline writes (service-graph counters
 * with the `failed` label and `_failed_total`, the agent's counters and its copies under the
 * service-graph names, end-user edges) and what the chart's recording rules keep (daily
 * counts, hourly, for 120 days; raw series only for the last 14, as if retention had
 * dropped the rest).
 *
 * In the 7 days before UNTIL:
 * - a cycle cyc-a -> cyc-b -> cyc-c -> cyc-a (cyc-b -> cyc-c's counter resets mid-window);
 * - hub, with 20 transitive dependents: h1-a..d call it, three h2-* call each h1-*, one
 *   h3-* calls each h2-?1; few end users call hub (QUIET), many call h1-a;
 * - py-bot seen only by the agent (also copied under service-graph names: not counted twice);
 * - both-tool seen by both: preload and agent calls to Redis summed;
 * - lonely: end users only, no dependency edge... except php-tool (agent) calling it: the
 *   preload records those calls as end users too, so they are taken off lonely's end users;
 * - newbie's series are born inside the window with no initial 0 (as the connector and
 *   the agent write them): 7 at the first sample, 12 at the end; oneshot's has one sample (4).
 * Before the window only: monthly-job (every 30 days, last 10 days ago), retired (daily
 * until 10 days ago), once-tool (one day, 50 days ago).
 */
import type { MetricFamily, Series } from '../support/prometheus-backfill.js';

export const UNTIL = Date.parse('2026-11-01T00:00:00Z') / 1000;
const DAY = 86_400;
const RAW_FROM = UNTIL - 14 * DAY;
const RECORDED_FROM = UNTIL - 120 * DAY;
const SCRAPE = 300;

type Side = 'preload' | 'agent' | 'agent-copy';

interface EdgeSpec {
  client: string;
  server: string;
  detail?: string;
  side: Side;
  connectionType?: string;
  /** [unix seconds, requests, failures] */
  events: Array<[number, number, number]>;
  /** Unix seconds after which the counter restarts from 0 (a process restart). */
  resetAt?: number;
}

/** `requests` (and `failures`) spread over six noon events inside the 7-day window. */
function inWindow(requests: number, failures = 0): Array<[number, number, number]> {
  const events: Array<[number, number, number]> = [];
  for (let day = 0; day < 6; day++) {
    const r = Math.floor(requests / 6) + (day < requests % 6 ? 1 : 0);
    const f = Math.floor(failures / 6) + (day < failures % 6 ? 1 : 0);
    events.push([UNTIL - (6 - day) * DAY - DAY / 2, r, f]);
  }
  return events;
}

const noonDaysAgo = (days: number) => UNTIL - days * DAY - DAY / 2;

function toolEdge(client: string, server: string, requests: number, failures = 0): EdgeSpec {
  return { client, server, side: 'preload', events: inWindow(requests, failures) };
}

function edges(): EdgeSpec[] {
  const list: EdgeSpec[] = [
    toolEdge('cyc-a', 'cyc-b', 60),
    { ...toolEdge('cyc-b', 'cyc-c', 80), resetAt: noonDaysAgo(3) + 3600 },
    toolEdge('cyc-c', 'cyc-a', 40),
    { client: 'cyc-a', server: 'toolforge:toolsdb', detail: 's51234__cyc', side: 'preload', connectionType: 'database', events: inWindow(30) },
    toolEdge('h1-a', 'hub', 100, 5),
    toolEdge('h1-b', 'hub', 90),
    toolEdge('h1-c', 'hub', 80),
    toolEdge('h1-d', 'hub', 70),
    { client: 'hub', server: 'wmcs:wiki-replicas', detail: 'enwiki', side: 'preload', connectionType: 'database', events: inWindow(500, 2) },
    { client: 'hub', server: 'wmcs:wiki-replicas', detail: 'dewiki', side: 'preload', connectionType: 'database', events: inWindow(200) },
    { client: 'user', server: 'hub', side: 'preload', connectionType: 'virtual_node', events: inWindow(3) },
    { client: 'user', server: 'h1-a', side: 'preload', connectionType: 'virtual_node', events: inWindow(5000) },
    { client: 'user', server: 'lonely', side: 'preload', connectionType: 'virtual_node', events: inWindow(42 + 12) },
    { client: 'php-tool', server: 'lonely', side: 'agent', events: inWindow(12) },
    { client: 'user', server: 'both-tool', side: 'preload', connectionType: 'virtual_node', events: inWindow(700) },
    { client: 'py-bot', server: 'wmcs:wiki-replicas', detail: 'enwiki', side: 'agent', events: inWindow(120) },
    { client: 'py-bot', server: 'wmcs:wiki-replicas', detail: 'enwiki', side: 'agent-copy', connectionType: 'virtual_node', events: inWindow(120) },
    { client: 'py-bot', server: 'toolforge:toolsdb', detail: 's55555__pybot', side: 'agent', events: inWindow(30, 3) },
    { client: 'both-tool', server: 'toolforge:redis', side: 'preload', connectionType: 'database', events: inWindow(100) },
    { client: 'both-tool', server: 'toolforge:redis', side: 'agent', events: inWindow(40) },
    { client: 'both-tool', server: 'wmcs:wiki-replicas', detail: 'dewiki', side: 'agent', events: inWindow(25) },
    { client: 'monthly-job', server: 'wikimedia:mediawiki', detail: 'en.wikipedia.org', side: 'preload', connectionType: 'virtual_node', events: [100, 70, 40, 10].map((d) => [noonDaysAgo(d), 10, 0] as [number, number, number]) },
    { client: 'retired', server: 'toolforge:redis', side: 'agent', events: Array.from({ length: 21 }, (_v, i) => [noonDaysAgo(10 + i), 20, 0] as [number, number, number]) },
    { client: 'once-tool', server: 'external:internet', detail: 'example.org', side: 'preload', connectionType: 'virtual_node', events: [[noonDaysAgo(50), 7, 0]] },
  ];
  const h1 = ['a', 'b', 'c', 'd'];
  h1.forEach((x, i) => {
    for (let j = 1; j <= 3; j++) list.push(toolEdge(`h2-${x}${j}`, `h1-${x}`, 10 * (i + 1) + j));
    list.push(toolEdge(`h3-${i + 1}`, `h2-${x}1`, 5));
  });
  return list;
}

/** A cumulative counter sampled every scrape from RAW_FROM, starting at 0; resets drop it to 0. */
function counter(events: Array<[number, number]>, resetAt?: number): Array<[number, number]> {
  const samples: Array<[number, number]> = [];
  let value = 0;
  let next = 0;
  let reset = resetAt;
  const sorted = events.filter(([t]) => t >= RAW_FROM).sort((a, b) => a[0] - b[0]);
  for (let t = RAW_FROM; t <= UNTIL; t += SCRAPE) {
    if (reset !== undefined && t >= reset) {
      value = 0;
      reset = undefined;
    }
    while (next < sorted.length && sorted[next]![0] <= t) value += sorted[next++]![1];
    samples.push([t, value]);
  }
  return samples;
}

/** The recording rule's output: requests in the 24 h before each hour, written where not 0. */
function daily(events: Array<[number, number]>): Array<[number, number]> {
  const samples: Array<[number, number]> = [];
  for (let t = RECORDED_FROM; t <= UNTIL; t += 3600) {
    const v = events.filter(([e]) => e > t - DAY && e <= t).reduce((sum, [, n]) => sum + n, 0);
    if (v > 0) samples.push([t, v]);
  }
  return samples;
}

const hasRaw = (events: Array<[number, number]>) => events.some(([t]) => t >= RAW_FROM);

export function knownGraphFamilies(): MetricFamily[] {
  const sgRequests: Series[] = [];
  const sgFailed: Series[] = [];
  const agentRequests: Series[] = [];
  const agentFailures: Series[] = [];
  const recorded = new Map<string, { labels: Record<string, string>; events: Array<[number, number]> }>();

  for (const e of edges()) {
    const requests = e.events.map(([t, r]) => [t, r] as [number, number]);
    const failures = e.events.map(([t, , f]) => [t, f] as [number, number]);
    const successes = e.events.map(([t, r, f]) => [t, r - f] as [number, number]);
    if (e.side !== 'agent-copy') {
      const source = e.side === 'agent' ? 'agent' : 'preload';
      const key = `${e.client}\n${e.server}\n${source}`;
      const entry = recorded.get(key) ?? { labels: { client: e.client, server: e.server, source }, events: [] };
      entry.events.push(...requests);
      recorded.set(key, entry);
    }
    if (!hasRaw(requests)) continue;
    if (e.side === 'agent') {
      const labels = { tool: e.client, dependency: e.server, detail: e.detail ?? '', unit: 'connection' };
      agentRequests.push({ labels, samples: counter(requests, e.resetAt) });
      if (failures.some(([, f]) => f > 0)) agentFailures.push({ labels, samples: counter(failures, e.resetAt) });
      continue;
    }
    const labels: Record<string, string> = {
      client: e.client,
      server: e.server,
      connection_type: e.connectionType ?? '',
      client_toolforge_dependency_detail: e.detail ?? '',
      ...(e.side === 'agent-copy' ? { source: 'toolforge-agent' } : {}),
    };
    sgRequests.push({ labels: { ...labels, failed: 'false' }, samples: counter(successes, e.resetAt) });
    if (failures.some(([, f]) => f > 0)) {
      sgRequests.push({ labels: { ...labels, failed: 'true' }, samples: counter(failures, e.resetAt) });
      sgFailed.push({ labels: { ...labels, failed: 'true' }, samples: counter(failures, e.resetAt) });
    }
  }
  // Born inside the window, first sample already counting (no initial 0), and one with a single sample.
  const born = (client: string, server: string, samples: Array<[number, number]>): Series => ({
    labels: { client, server, connection_type: 'database', client_toolforge_dependency_detail: '', failed: 'false' },
    samples,
  });
  const newbie: Array<[number, number]> = [];
  for (let t = UNTIL - 3 * DAY; t <= UNTIL; t += SCRAPE) newbie.push([t, t < UNTIL - 2 * DAY ? 7 : 12]);
  sgRequests.push(born('newbie', 'toolforge:redis', newbie));
  sgRequests.push(born('oneshot', 'toolforge:redis', [[UNTIL - 2 * DAY, 4]]));
  return [
    { name: 'traces_service_graph_request_total', type: 'counter', series: sgRequests },
    { name: 'traces_service_graph_request_failed_total', type: 'counter', series: sgFailed },
    { name: 'toolforge_internal_dependencies_total', type: 'counter', series: agentRequests },
    { name: 'toolforge_internal_dependency_failures_total', type: 'counter', series: agentFailures },
    {
      name: 'toolforge_tracing:dependency_requests:increase1d',
      type: 'gauge',
      series: [...recorded.values()].map((r) => ({ labels: r.labels, samples: daily(r.events) })).filter((s) => s.samples.length > 0),
    },
  ];
}
