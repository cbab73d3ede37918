/** Prometheus metrics of the webhook, on a registry of its own (served at /metrics). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Outcome } from './admit.js';
import { containerSkipReasons, skipReasons } from './policy.js';

const outcomes: Outcome[] = ['injected', 'skipped', 'error', 'bad-request'];

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'toolforge_tracing_webhook_' });
  const metrics = {
    registry,
    admissions: new Counter({
      name: 'toolforge_tracing_webhook_admissions_total',
      help: 'Admission requests by outcome (injected, skipped, error = failed open, bad-request = HTTP 400)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    skips: new Counter({
      name: 'toolforge_tracing_webhook_skips_total',
      help: 'Objects left untouched (or only annotated), by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    skippedContainers: new Counter({
      name: 'toolforge_tracing_webhook_skipped_containers_total',
      help: 'App containers left alone in otherwise injected pods, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'toolforge_tracing_webhook_admission_duration_seconds',
      help: 'Time to answer one AdmissionReview, from body parsed to answer built',
      labelNames: ['outcome'] as const,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5],
      registers: [registry],
    }),
    namespacesCached: new Gauge({
      name: 'toolforge_tracing_webhook_namespace_cache_size',
      help: 'Namespaces in the watch cache',
      registers: [registry],
    }),
    namespaceCacheSynced: new Gauge({
      name: 'toolforge_tracing_webhook_namespace_cache_synced',
      help: '1 once the namespace list has been read and the watch runs; 0 while unreachable or disabled',
      registers: [registry],
    }),
    namespaceWatchErrors: new Counter({
      name: 'toolforge_tracing_webhook_namespace_watch_errors_total',
      help: 'Failed namespace list/watch attempts (retried with backoff)',
      registers: [registry],
    }),
    tlsReloads: new Counter({
      name: 'toolforge_tracing_webhook_tls_reloads_total',
      help: 'Certificate reloads after the files changed, by result (ok, failed = old certificate kept)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
  };
  // Every series of a closed label set exists from the start, so rate() and alerts see zeros.
  for (const o of outcomes) metrics.admissions.labels(o).inc(0);
  for (const r of skipReasons) metrics.skips.labels(r).inc(0);
  for (const r of containerSkipReasons) metrics.skippedContainers.labels(r).inc(0);
  for (const r of ['ok', 'failed']) metrics.tlsReloads.labels(r).inc(0);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
