/** `toolforge-tracing agent`: options -> config -> the daemon; SIGTERM = final flush and exit. */
import { InvalidArgumentError, type Command } from 'commander';
import { version } from '../contract/version.js';
import { isProfileName, PROFILE_NAMES } from '../topology/index.js';
import { loadConfig } from './config.js';
import { startAgent } from './daemon.js';

interface AgentOptions {
  config?: string;
  profile?: string;
  metricsListen?: string;
  otlpEndpoint?: string;
  uidMap?: string;
  interval?: number;
  bpftrace?: string;
  nfsPrefix?: string[];
  extraRules?: string;
  minUid?: number;
  preloadMarker?: string;
  fqdn?: string;
  holdNewSeriesSeconds?: number;
}

function integer(value: string): number {
  if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

function profileName(value: string): string {
  if (!isProfileName(value)) throw new InvalidArgumentError(`must be one of ${PROFILE_NAMES.join(', ')}`);
  return value;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('eBPF agent: count every tool process\'s connects, requests, queries and NFS opens from the kernel (bpftrace; root)')
    .option('--config <file>', 'YAML configuration; every option below is also a key (docs/operators/agent.md)')
    .option('--profile <name>', `topology profile: ${PROFILE_NAMES.join(', ')}`, profileName)
    .option('--metrics-listen <host:port>', 'serve Prometheus metrics at http://HOST:PORT/metrics')
    .option('--otlp-endpoint <url>', 'send OTLP/HTTP metrics to this collector, e.g. http://127.0.0.1:4318')
    .option('--uid-map <file>', 'fallback uid -> account map (YAML "51234: tools.mytool")')
    .option('--interval <seconds>', 'seconds between kernel map reads (default 5)', integer)
    .option('--bpftrace <path>', 'the bpftrace binary (default: bpftrace on PATH)')
    .option('--nfs-prefix <prefix>', 'count opens under this prefix (repeatable; default per profile)', collect)
    .option('--extra-rules <file>', 'topology extra rules (YAML), consulted before the built-in rules')
    .option('--min-uid <uid>', 'ignore uids below this (default 1000: root and system accounts)', integer)
    .option('--preload-marker <text>', 'the end of the preload file\'s path: a process found running with it in NODE_OPTIONS and holding such a file open runs our preload (default /toolforge-tracing/preload.cjs)')
    .option('--fqdn <name>', 'Cloud VPS: this VM\'s fully qualified name (default: the host name)')
    .option('--hold-new-series-seconds <s>', 'export a new series at 0 this long before its count (default 60)', integer)
    .action(async (options: AgentOptions) => {
      const config = await loadConfig(options.config, {
        profile: options.profile,
        metricsListen: options.metricsListen,
        otlpEndpoint: options.otlpEndpoint,
        uidMap: options.uidMap,
        interval: options.interval,
        bpftrace: options.bpftrace,
        nfsPrefixes: options.nfsPrefix,
        extraRules: options.extraRules,
        minUid: options.minUid,
        preloadMarker: options.preloadMarker,
        fqdn: options.fqdn,
        holdNewSeriesSeconds: options.holdNewSeriesSeconds,
      });
      const log = (line: string): void => void process.stderr.write(`${line}\n`);
      log(`toolforge-tracing agent ${version} (profile ${config.profile}, interval ${config.interval}s)`);
      const agent = await startAgent(config, log);
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        log(`agent: ${signal}: final read and flush`);
        void agent.stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
