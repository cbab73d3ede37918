import path from 'node:path';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TextMapPropagator } from '@opentelemetry/api';
import { profileByName } from '../topology/index.js';
import { readConfig, type PreloadConfig } from './env-config.js';
import { entryIsEsm, packageType } from './entry-format.js';
import { registerEsmHooks } from './esm-hooks.js';
import { ExitAwareExporter } from './exit-flush.js';
import { ExportProcessor } from './export-processor.js';
import { traceIncomingRequests } from './http-server-spans.js';
import { eagerInstrumentations, esmHookedSpecifiers, lazyInstrumentations } from './instrumentations.js';
import { enableOnFirstLoad } from './lazy-enable.js';
import { RecordEverySpanSampler, standardSampler } from './sampler.js';

declare const __TOOLFORGE_TRACING_VERSION__: string;

/** A finishing job waits at most this long for its last spans to be sent. */
const EXIT_FLUSH_TIMEOUT_MILLIS = 1000;

function exporter(config: PreloadConfig, timeoutMillis: number): SpanExporter {
  // One request in flight at most: with the batch processor's bounded queue this caps
  // what a down or slow collector can make the app hold at queue + one batch.
  const options = { url: config.tracesUrl, timeoutMillis, concurrencyLimit: 1 };
  // Required here, not imported, so only the exporter in use is evaluated at startup.
  if (config.protocol === 'http/json') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(options);
}

function propagator(names: string[]): TextMapPropagator | null {
  const propagators: TextMapPropagator[] = [];
  if (names.includes('tracecontext')) propagators.push(new W3CTraceContextPropagator());
  if (names.includes('baggage')) propagators.push(new W3CBaggagePropagator());
  return propagators.length > 0 ? new CompositePropagator({ propagators }) : null;
}

/** Called by preload.cjs on a supported runtime. No resource detectors: nothing at startup touches the network. */
export function start(): void {
  const { config, warnings } = readConfig(process.env);
  if (warnings.length > 0) {
    process.stderr.write(`toolforge-tracing: invalid settings, defaults used: ${warnings.join('; ')}\n`);
  }
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...config.resourceAttributes,
      'service.name': config.serviceName,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'toolforge.preload.version': __TOOLFORGE_TRACING_VERSION__,
    }),
  );
  const exitAware = new ExitAwareExporter(
    exporter(config, config.exportTimeoutMillis),
    () => exporter(config, Math.min(config.exportTimeoutMillis, EXIT_FLUSH_TIMEOUT_MILLIS)),
  );
  const batch = new BatchSpanProcessor(exitAware, {
    maxQueueSize: config.maxQueueSize,
    maxExportBatchSize: config.maxExportBatchSize,
    scheduledDelayMillis: config.scheduledDelayMillis,
    // Longer than the exporter's own deadline (retries included), so the processor never
    // gives up on a batch and starts the next while the first is still being sent.
    exportTimeoutMillis: config.exportTimeoutMillis + 1000,
  });
  const provider = new NodeTracerProvider({
    resource,
    sampler: new RecordEverySpanSampler(standardSampler(config.sampler, config.samplerRatio)),
    spanProcessors: [new ExportProcessor(batch, profileByName(config.profile))],
  });
  provider.register({ propagator: propagator(config.propagators) });

  const enable = (instrumentation: Instrumentation): void => {
    registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: provider });
  };
  for (const create of eagerInstrumentations) enable(create());
  traceIncomingRequests(provider.getTracer('toolforge-tracing-http-server', __TOOLFORGE_TRACING_VERSION__));
  enableOnFirstLoad(lazyInstrumentations, enable);
  if (entryIsEsm(process.argv[1], packageType)) registerEsmHooks(path.join(__dirname, 'hook.mjs'), esmHookedSpecifiers);

  process.once('beforeExit', () => {
    if (exitAware.prepareExitFlush()) batch.forceFlush().catch(() => undefined);
  });
}
