import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DependencyData } from '../report/model.js';
import { toolsCacheDir } from './binaries.js';
import { demoAccounts, demoHosts, startDemo, writeDemoMountTree, type RunningDemo } from './demo/demo.js';
import { failureReason } from './failure-reason.js';
import { copyPreload } from './preload-copy.js';
import { privateNamespace } from './private-namespace.js';
import { acquireInstance } from './instance-lock.js';
import { agentUnavailable, startAgent } from './services/agent.js';
import { startLocalCollector } from './services/collector.js';
import { startPrometheus } from './services/prometheus.js';
import { Supervisor } from './supervisor.js';
import { startUiServer, type UiServer } from './ui-server.js';

export interface LocalOptions {
  demo: boolean;
  listen: { host: string; port: number };
  agent: boolean;
  stateDir: string;
  /** Reads the graph from Prometheus (report/). */
  loadGraph(prometheusUrl: string): Promise<DependencyData>;
  /** Writes the map page (report/map/). */
  renderMap(data: DependencyData): string;
  log(line: string): void;
}

export const defaultStateDir = (): string => path.join(toolsCacheDir(), 'local');

/** Seconds between the agent's map reads and Prometheus's scrapes: the UI follows within a few. */
const INTERVAL_SECONDS = 2;

/**
 * The whole pipeline on loopback: Prometheus, the real collector (collector-config/local.yaml),
 * the eBPF agent where it can run, the UI; with `demo`, a fleet of tools using Toolforge
 * stand-ins. Resolves when stopped (SIGINT, SIGTERM); every process it started is gone then.
 */
export async function runLocal(options: LocalOptions): Promise<void> {
  const { log } = options;
  const instance = await acquireInstance(options.stateDir);
  // Under the system's temp folder, not the state folder (often in a 0700 home): the demo's
  // tools run as their own accounts and must read their CA file and the copied preload.
  // Its name must not contain "/toolforge-tracing" itself: the agent looks for the preload's
  // "/toolforge-tracing/preload.cjs" in NODE_OPTIONS and stops at the first "/toolfor".
  const runDir = await mkdtemp(path.join(tmpdir(), 'tt-local-'));
  await chmod(runDir, 0o755);
  // Outside the run folder: they stay for a look after a failed or stopped run, until the next start.
  const logDir = path.join(options.stateDir, 'logs');
  await rm(logDir, { recursive: true, force: true });
  await mkdir(logDir);
  const supervisor = new Supervisor(logDir, runDir);
  let ui: UiServer | undefined;
  let demo: RunningDemo | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      log('stopping every process this run started');
      await demo?.stop().catch(() => undefined);
      await supervisor.stopAll();
      await ui?.close().catch(() => undefined);
      // A child's last writes (logs, Prometheus blocks) can land while the folder goes.
      await rm(runDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch((error: Error) => log(`could not remove ${runDir}: ${error.message}`));
      await instance.release();
    })());
  let signalled!: () => void;
  const stopSignal = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (): void => signalled();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const step = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    log(`${what} ...`);
    const result = await run();
    log(`${what}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  };

  try {
    const status: Record<string, unknown> = { demo: options.demo, runDir };
    let prometheusUrl: string | undefined;
    ui = await startUiServer(options.listen, {
      load: () => {
        if (prometheusUrl === undefined) return Promise.reject(new Error('Prometheus is not started yet'));
        return options.loadGraph(prometheusUrl);
      },
      renderMap: options.renderMap,
      status: () => status,
    });

    // The tools' world, shared with the agent so NSS knows their accounts (as on a Toolforge node).
    const demoDir = path.join(runDir, 'demo');
    await mkdir(demoDir, { recursive: true });
    const namespace = await privateNamespace(runDir, options.demo ? demoHosts() : {}, options.demo ? demoAccounts() : [], options.demo ? await writeDemoMountTree(demoDir) : undefined);
    const preload = await copyPreload(runDir);
    await instance.update({ passwdFile: namespace.passwdFile, preload });
    const scrape: Record<string, string> = {};
    let unavailable = options.agent ? agentUnavailable() : 'disabled with --no-agent';
    const agent =
      unavailable === undefined
        ? await step('starting the eBPF agent', () => startAgent(supervisor, namespace, INTERVAL_SECONDS)).catch((error: Error) => {
            unavailable = `it did not start (${failureReason(error.message)}; log: ${path.join(logDir, 'agent.log')})`;
            return undefined;
          })
        : undefined;
    if (agent !== undefined) {
      scrape['toolforge-agent'] = agent.metrics;
      status.agent = 'running';
    } else {
      log(`not running the eBPF agent: ${unavailable}; Node tools are still traced by the preload`);
      status.agent = `not running: ${unavailable}`;
    }
    const prometheus = await step('starting Prometheus', () => startPrometheus(supervisor, { dir: path.join(runDir, 'prometheus'), scrape, scrapeIntervalSeconds: INTERVAL_SECONDS }));
    prometheusUrl = prometheus.url;
    status.prometheus = prometheus.url;
    const collector = await step('starting the OpenTelemetry Collector (collector-config/local.yaml)', () =>
      startLocalCollector(supervisor, { remoteWriteUrl: prometheus.remoteWriteUrl, tracesEndpoint: ui!.tracesEndpoint }),
    );
    status.otlpEndpoint = collector.otlpEndpoint;
    await instance.update({ url: ui.url, otlpEndpoint: collector.otlpEndpoint });
    if (options.demo) {
      demo = await step('starting the demo fleet', () => startDemo({ supervisor, dir: demoDir, namespace, preload, otlpEndpoint: collector.otlpEndpoint, log }));
      status.frontProxyPort = demo.frontProxyPort;
    }
    log(`ready: the dependency map is at ${ui.url} (data: ${ui.url}api/graph; Prometheus: ${prometheus.url}); Ctrl-C stops everything`);
    await stopSignal;
  } catch (error) {
    throw new Error(`${(error as Error).message}\n(each process's log is in ${logDir})`, { cause: error });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await stop();
  }
}
