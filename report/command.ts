/**
 * `toolforge-tracing report ...`: each subcommand loads the window's edges from Prometheus
 * (a fixed handful of queries), builds the graph, runs one analysis and prints it. Exit
 * codes: 0 results, 1 a --fail-if-* condition held, 2 any error (errors.ts).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { consumersReport } from './analysis/consumers.js';
import { reachOf, type Direction } from './analysis/reach.js';
import { groupsReport } from './analysis/groups.js';
import { hubsReport } from './analysis/hubs.js';
import { nearestNames } from './analysis/nearest.js';
import { toolReport } from './analysis/tool.js';
import { unusedReport } from './analysis/unused.js';
import { loadReportConfig, PROMETHEUS_URL_ENV, prometheusUrl } from './config.js';
import { EXIT_CONDITION, EXIT_ERROR, EXIT_OK, ReportError } from './errors.js';
import { buildGraph, type DependencyGraph } from './graph.js';
import { loadHistory } from './history.js';
import { loadDependencies } from './load.js';
import type { DependencyData, NodeKind } from './model.js';
import { OUTPUT_FORMATS, render, type OutputFormat, type View } from './output/render.js';
import { consumersView, groupsView, hubsView, reachView, toolView, unusedView } from './output/views.js';
import { MAP_FORMATS, writeMap, type MapFormat } from './map/document.js';
import { prometheusClient, type PrometheusClient } from './prometheus.js';
import { durationSeconds, parseWindow, type Window } from './window.js';

interface CommonOptions {
  prometheus?: string;
  config?: string;
  header: string[];
  since: string;
  until?: string;
  output: OutputFormat;
}

interface Context {
  prometheus: PrometheusClient;
  window: Window;
  data: DependencyData;
  graph: DependencyGraph;
  output: OutputFormat;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number >= 0');
  return n;
}

function duration(value: string): string {
  if (durationSeconds(value) === undefined) throw new InvalidArgumentError('must be a duration such as 400d or 52w');
  return value;
}

function header(value: string, previous: string[]): string[] {
  if (!/^[A-Za-z0-9-]+:/.test(value)) throw new InvalidArgumentError('must be "Name: value"');
  return [...previous, value];
}

function withCommonOptions(command: Command, formats: readonly string[] = OUTPUT_FORMATS, defaultFormat = 'table'): Command {
  return command
    .option('--prometheus <url>', `Prometheus (or Thanos Query / Mimir, path prefix included) base URL; default: $${PROMETHEUS_URL_ENV}, then prometheus.url in the config file`)
    .option('--config <file>', 'report config file (YAML); default: $XDG_CONFIG_HOME/toolforge-tracing/report.yaml when it exists')
    .option('--header <name: value>', 'extra HTTP header for every query (repeatable), e.g. "X-Scope-OrgID: tools"', header, [])
    .option('--since <when>', 'start of the window: a duration back from --until (7d, 36h) or an RFC 3339 instant', '7d')
    .option('--until <when>', 'end of the window: a duration back from now or an RFC 3339 instant; default: now')
    .addOption(new Option('-o, --output <format>', 'output format').choices(formats).default(defaultFormat));
}

async function context(options: CommonOptions): Promise<Context> {
  const { config, path } = loadReportConfig(options.config);
  const url = prometheusUrl(options.prometheus, config, path);
  const headers: Record<string, string> = { ...config.prometheus?.headers };
  for (const h of options.header) {
    const colon = h.indexOf(':');
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  const prometheus = prometheusClient(url, { headers });
  const window = parseWindow(options.since, options.until);
  const data = await loadDependencies(prometheus, window);
  return { prometheus, window, data, graph: buildGraph(data), output: options.output };
}

/** Every report names a node that must exist; a typo gets the closest names. */
function requireNode(ctx: Context, name: string, kinds?: NodeKind[]): void {
  const candidates = ctx.graph.filterNodes((_n, a) => kinds === undefined || kinds.includes(a.kind));
  if (ctx.graph.hasNode(name) && candidates.includes(name)) return;
  const what = kinds === undefined ? 'node' : kinds.join(' or ');
  throw new ReportError(
    `no ${what} named ${JSON.stringify(name)} has an edge between ${ctx.window.since.toISOString()} and ${ctx.window.until.toISOString()}; nearest: ${nearestNames(name, candidates).join(', ') || '(none)'}`,
  );
}

function print(ctx: Context, report: object, view: (wide: boolean) => View): void {
  process.stdout.write(render(ctx.output, report, view));
}

/**
 * Runs a report: errors become one line on stderr and exit 2 (an unexpected one with its
 * stack, so it can be reported), never 1, which a CI check reads as "--fail-if-* held".
 */
function action<A extends unknown[]>(run: (...args: A) => Promise<number>) {
  return async (...args: A): Promise<void> => {
    try {
      process.exitCode = await run(...args);
    } catch (error) {
      const message = error instanceof ReportError ? error.message : `internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
      process.stderr.write(`toolforge-tracing report: ${message}\n`);
      process.exitCode = EXIT_ERROR;
    }
  };
}

export function registerReportCommand(program: Command): void {
  const report = program
    .command('report')
    .description('dependency reports from the service graph and agent series in Prometheus (exit 0 results, 1 --fail-if-* held, 2 error)')
    // Usage errors are errors (2), not a --fail-if-* result (1); help stays 0.
    .exitOverride((error) => process.exit(error.exitCode === 0 ? EXIT_OK : EXIT_ERROR));

  withCommonOptions(report.command('tool').description('what a tool uses (per destination and detail) and who uses it').argument('<name>', 'tool (or any node)')).action(
    action(async (name: string, options: CommonOptions) => {
      const ctx = await context(options);
      requireNode(ctx, name);
      const r = { window: ctx.data.window, ...toolReport(ctx.graph, name) };
      print(ctx, r, (wide) => toolView(r, wide));
      return EXIT_OK;
    }),
  );

  const reachHelp: Record<Direction, { description: string; transitive: string; failIfAny: string }> = {
    dependents: {
      description: 'what would break if NODE went away: its callers, with --transitive their callers too, with hop distance',
      transitive: 'follow callers of callers',
      failIfAny: 'exit 1 when anything depends on NODE (decommission checks in CI)',
    },
    dependencies: {
      description: 'what NODE uses: what it calls, with --transitive what those call too, with hop distance',
      transitive: 'follow what its callees call',
      failIfAny: 'exit 1 when NODE uses anything',
    },
  };
  for (const direction of ['dependents', 'dependencies'] as const) {
    const help = reachHelp[direction];
    withCommonOptions(
      report
        .command(direction)
        .description(help.description)
        .argument('<node>', 'a tool or a shared service (wmcs:wiki-replicas, toolforge:toolsdb, ...)')
        .option('--transitive', help.transitive)
        .option('--max-hops <n>', 'with --transitive: stop after N hops', positiveInteger)
        .option('--fail-if-any', help.failIfAny),
    ).action(
      action(async (node: string, options: CommonOptions & { transitive?: boolean; maxHops?: number; failIfAny?: boolean }) => {
        if (options.maxHops !== undefined && options.transitive !== true) throw new ReportError('--max-hops needs --transitive');
        const ctx = await context(options);
        requireNode(ctx, node);
        const transitive = options.transitive === true;
        const reached = reachOf(ctx.graph, node, direction, transitive ? { transitive, maxHops: options.maxHops } : { transitive });
        // The acceptance checks read exactly {"node": NODE, "dependents": [...]}; likewise "dependencies".
        print(ctx, { node, [direction]: reached }, () => reachView(direction, node, reached, ctx.data.window, transitive));
        return options.failIfAny === true && reached.length > 0 ? EXIT_CONDITION : EXIT_OK;
      }),
    );
  }

  withCommonOptions(
    report.command('consumers').description('the tools using a shared service, split by detail (wiki, database), ranked by requests').argument('<service>', 'e.g. wmcs:wiki-replicas'),
  ).action(
    action(async (service: string, options: CommonOptions) => {
      const ctx = await context(options);
      requireNode(ctx, service);
      const r = { window: ctx.data.window, ...consumersReport(ctx.graph, service) };
      print(ctx, r, (wide) => consumersView(r, wide));
      return EXIT_OK;
    }),
  );

  withCommonOptions(
    report
      .command('groups')
      .description('what must move together: cycles, then connected clusters of the tool-to-tool graph, big clusters split by seeded Louvain')
      .option('--max-group-size <n>', 'split clusters larger than this', positiveInteger, 50)
      .option('--seed <n>', 'seed of the community detection (same data + seed = same groups)', positiveInteger, 1),
  ).action(
    action(async (options: CommonOptions & { maxGroupSize: number; seed: number }) => {
      const ctx = await context(options);
      const r = { window: ctx.data.window, ...groupsReport(ctx.graph, { maxGroupSize: options.maxGroupSize, seed: options.seed }) };
      print(ctx, r, (wide) => groupsView(r, wide));
      return EXIT_OK;
    }),
  );

  withCommonOptions(
    report
      .command('hubs')
      .description('tools ranked by how many tools depend on them (transitively), flagged QUIET when few end users call them')
      .option('--quiet-below <n>', 'end-user requests per day below which a hub is flagged quiet', nonNegativeNumber, 10)
      .option('--top <n>', 'show the first N', positiveInteger, 20),
  ).action(
    action(async (options: CommonOptions & { quietBelow: number; top: number }) => {
      const ctx = await context(options);
      const full = hubsReport(ctx.graph, { quietBelowPerDay: options.quietBelow, windowDays: ctx.window.seconds / 86_400 });
      const r = { window: ctx.data.window, ...full, hubs: full.hubs.slice(0, options.top) };
      print(ctx, r, (wide) => hubsView(r, wide));
      return EXIT_OK;
    }),
  );

  withCommonOptions(
    report
      .command('unused')
      .description('tools with no edge in the window, judged against their own cadence ("unknown" when the window is too short to tell)')
      .option('--history <duration>', 'how far back to look for each tool\'s cadence (recorded daily counts, else raw series)', duration, '400d')
      .option('--fail-if-any', 'exit 1 when a tool is unused'),
  ).action(
    action(async (options: CommonOptions & { history: string; failIfAny?: boolean }) => {
      const ctx = await context(options);
      const history = await loadHistory(ctx.prometheus, ctx.window.until, durationSeconds(options.history)!);
      const r = unusedReport(ctx.graph, history, ctx.data.window);
      print(ctx, r, (wide) => unusedView(r, wide));
      return options.failIfAny === true && r.tools.some((t) => t.status === 'unused') ? EXIT_CONDITION : EXIT_OK;
    }),
  );

  withCommonOptions(
    report
      .command('map')
      .description('the dependency map: one self-contained HTML file (no network access needed to open it); -o json: the data it embeds')
      .option('--out <file>', 'write to FILE instead of stdout'),
    MAP_FORMATS,
    'html',
  ).action(
    action(async (options: Omit<CommonOptions, 'output'> & { output: MapFormat; out?: string }) => {
      const ctx = await context({ ...options, output: 'json' });
      writeMap(ctx.data, { output: options.output, ...(options.out === undefined ? {} : { out: options.out }) });
      return EXIT_OK;
    }),
  );
}
