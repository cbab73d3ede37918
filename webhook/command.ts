/** `toolforge-tracing webhook`: wires config, TLS, the namespace watch and the server. */
import { InvalidArgumentError, type Command } from 'commander';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { version } from '../contract/version.js';
import { loadConfig } from './config.js';
import { createMetrics } from './metrics.js';
import { loadKubeConfig, NamespaceCache } from './namespace-cache.js';
import { createWebhookServer } from './server.js';
import { pino } from 'pino';
import { readTls, selfSignedTls, watchTls, type TlsMaterial } from './tls.js';

interface WebhookOptions {
  port: number;
  host: string;
  tlsCert?: string;
  tlsKey?: string;
  selfSigned?: boolean;
  config?: string;
  tlsPollMs: number;
  drainSeconds: number;
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}`);
    return n;
  };
}

const urlHost = (host: string) => (host.includes(':') ? `[${host}]` : host);

async function runWebhook(opts: WebhookOptions): Promise<void> {
  const config = await loadConfig(opts.config);
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    throw new Error('--tls-cert and --tls-key go together: give both (cert-manager writes tls.crt and tls.key)');
  }
  const files = opts.tlsCert !== undefined && opts.tlsKey !== undefined ? { certFile: opts.tlsCert, keyFile: opts.tlsKey } : undefined;
  if (files === undefined && opts.selfSigned !== true) {
    throw new Error('no certificate: give --tls-cert and --tls-key, or --self-signed for a local run');
  }
  let tls: TlsMaterial;
  let selfSignedDir: string | undefined;
  if (files !== undefined) {
    tls = await readTls(files);
  } else {
    tls = await selfSignedTls([...new Set([opts.host, 'localhost', '127.0.0.1', '::1'])]);
    selfSignedDir = await mkdtemp(join(tmpdir(), 'toolforge-tracing-webhook-'));
    await writeFile(join(selfSignedDir, 'tls.crt'), tls.cert);
  }

  // Logs go to stderr so stdout carries only the "listening on" line.
  const log = pino({ level: config.server.logLevel, base: { component: 'webhook' } }, pino.destination({ dest: 2, sync: true }));
  const metrics = createMetrics();
  const kc = config.kubernetes.watchNamespaces ? loadKubeConfig(config.kubernetes.kubeconfig) : undefined;
  let cache: NamespaceCache | undefined;
  const server = createWebhookServer({
    config,
    version,
    tls,
    metrics,
    log,
    namespaceInfo: (ns) => cache?.get(ns),
    namespaceCacheState: () => (cache === undefined ? 'off' : cache.synced ? 'synced' : 'unsynced'),
  });
  if (kc !== undefined) {
    cache = new NamespaceCache(kc, {
      onSynced: (size) => {
        metrics.namespaceCacheSynced.set(1);
        metrics.namespacesCached.set(size);
        log.info({ namespaces: size }, 'namespace watch synced');
      },
      onChange: (size) => metrics.namespacesCached.set(size),
      onError: (err, retryInMs) => {
        metrics.namespaceCacheSynced.set(0);
        metrics.namespaceWatchErrors.inc();
        log.warn({ err: err instanceof Error ? err.message : String(err), retryInMs }, 'namespace watch failed; deciding from namespace names until it recovers');
      },
    });
  } else {
    log.warn(
      config.kubernetes.watchNamespaces
        ? 'namespace watch off: no kubeconfig configured and not in a cluster; deciding from namespace names only'
        : 'namespace watch disabled by config; deciding from namespace names only',
    );
  }

  const stopWatchingTls =
    files === undefined
      ? () => {}
      : watchTls(
          files,
          (m) => {
            server.reloadTls(m);
            metrics.tlsReloads.labels('ok').inc();
            log.info({ cert: files.certFile }, 'TLS certificate reloaded');
          },
          (err) => {
            metrics.tlsReloads.labels('failed').inc();
            log.error({ err: err.message }, 'TLS reload failed; keeping the previous certificate');
          },
          opts.tlsPollMs,
        );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, drainSeconds: opts.drainSeconds }, 'stopping');
    // Keep answering while the Service's endpoints catch up, so the API server does not
    // meet a closed port (which would admit pods untraced).
    if (opts.drainSeconds > 0) await new Promise((resolve) => setTimeout(resolve, opts.drainSeconds * 1000));
    stopWatchingTls();
    await cache?.stop();
    await server.close();
    if (selfSignedDir !== undefined) await rm(selfSignedDir, { recursive: true, force: true });
    // A list request to a hung API server cannot be aborted and would keep us alive.
    process.exit(0);
  };
  // Before listening: whoever sees the "listening" line may signal us at once.
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  await server.listen({ port: opts.port, host: opts.host });
  cache?.start();
  const address = server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : opts.port;
  process.stdout.write(`toolforge-tracing webhook ${version} listening on https://${urlHost(opts.host)}:${port}/mutate\n`);
  if (selfSignedDir !== undefined) process.stdout.write(`self-signed certificate (for curl --cacert): ${join(selfSignedDir, 'tls.crt')}\n`);
}

export function registerWebhookCommand(program: Command): void {
  program
    .command('webhook')
    .description('serve the mutating admission webhook over HTTPS (POST /mutate, /healthz, /readyz, /metrics)')
    .option('--port <port>', 'TCP port (0 = any free port)', integer(0, 65535), 8443)
    .option('--host <address>', 'address to listen on (0.0.0.0 or :: in a cluster)', '127.0.0.1')
    .option('--tls-cert <file>', 'PEM certificate (reloaded when the file changes)')
    .option('--tls-key <file>', 'PEM private key (reloaded when the file changes)')
    .option('--self-signed', 'generate a throwaway certificate when no --tls-cert/--tls-key are given')
    .option('--config <file>', 'YAML configuration (see docs/operators/webhook.md); default: built-in defaults')
    .option('--tls-poll-ms <ms>', 'how often the certificate files are checked for changes', integer(100, 3_600_000), 2000)
    .option('--drain-seconds <s>', 'on SIGTERM, keep serving this long before closing', integer(0, 300), 0)
    .action(async (opts: WebhookOptions) => {
      await runWebhook(opts);
    });
}
