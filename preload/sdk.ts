import path from 'node:path';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations, type Instrumentation } from '@opentelemetry/instrumentation';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { TextMapPropagator } from '@opentelemetry/api';
import { VERSION as HTTP_INSTRUMENTATION_VERSION } from '@opentelemetry/instrumentation-http/build/src/version.js';
import { version } from '../contract/version.js';
import { profileByName, withExtraRules } from '../topology/index.js';
import { readConfig, settingsWarning } from './config/env-config.js';
import { entryIsEsm, packageType } from './instrumentation/entry-format.js';
import { ContextOnDemandManager, PropagateFromFirstSpan } from './sdk/context-on-demand.js';
import { registerEsmHooks } from './instrumentation/esm-hooks.js';
import { EncodedSpanQueue } from './export/encoded-span-queue.js';
import { traceIncomingRequests } from './server/http-server-spans.js';
import { traceOutgoingRequests } from './client/http-client-spans.js';
import { eagerInstrumentations, esmHookedSpecifiers, lazyInstrumentations } from './instrumentation/instrumentations.js';
import { enableOnFirstLoad } from './instrumentation/lazy-enable.js';
import { OtlpHttpPoster } from './export/otlp-http-post.js';
import { permission, WORKERS_DENIED } from './gate/permission-model.js';
import { resourceField } from './export/otlp-span-encoding.js';
import { RecordEverySpanSampler, standardSampler } from './sdk/sampler.js';
import { sendAtExit } from './export/send-at-exit.js';
import { PooledIdGenerator } from './sdk/span-ids.js';

/**
 * A finishing job waits at most this long for its last spans to be sent, however it ends
 * (natural exit, process.exit(), uncaught exception) and whatever the collector does.
 */
const EXIT_FLUSH_TIMEOUT_MILLIS = 1000;

function propagator(names: string[]): TextMapPropagator | null {
  const propagators: TextMapPropagator[] = [];
  if (names.includes('tracecontext')) propagators.push(new W3CTraceContextPropagator());
  if (names.includes('baggage')) propagators.push(new W3CBaggagePropagator());
  return propagators.length > 0 ? new CompositePropagator({ propagators }) : null;
}

/** Called by preload.cjs on a supported runtime. No resource detectors: nothing at startup touches the network. */
export function start(): void {
  const esm = entryIsEsm(process.argv[1], packageType);
  if (esm && permission?.has('worker') === false) {
    process.stderr.write(`${WORKERS_DENIED}\n`);
    return;
  }
  const { config, warnings } = readConfig(process.env);
  if (warnings.length > 0) {
    process.stderr.write(`${settingsWarning(warnings)}\n`);
  }
  const resource = defaultResource().merge(
    resourceFromAttributes({
      ...config.resourceAttributes,
      'service.name': config.serviceName,
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'toolforge.preload.version': version,
    }),
  );
  const profile = withExtraRules(profileByName(config.profile), config.extraRules);
  const poster = new OtlpHttpPoster(config.tracesUrl);
  const queue = new EncodedSpanQueue(
    {
      maxQueueSize: config.maxQueueSize,
      maxExportBatchSize: config.maxExportBatchSize,
      scheduledDelayMillis: config.scheduledDelayMillis,
      exportTimeoutMillis: config.exportTimeoutMillis,
      exitFlushMillis: EXIT_FLUSH_TIMEOUT_MILLIS,
    },
    profile,
    resourceField(resource.attributes),
    (body, timeoutMillis) => poster.post(body, timeoutMillis),
    (bodies, timeoutMillis) => sendAtExit(config.tracesUrl, bodies, timeoutMillis),
  );
  const sampler = new RecordEverySpanSampler(standardSampler(config.sampler, config.samplerRatio));
  const idGenerator = new PooledIdGenerator();
  const contextManager = new ContextOnDemandManager();
  const provider = new NodeTracerProvider({
    resource,
    sampler,
    idGenerator,
    spanProcessors: [new PropagateFromFirstSpan(contextManager), queue],
  });
  provider.register({ propagator: propagator(config.propagators), contextManager });

  const enable = (instrumentation: Instrumentation): void => {
    registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: provider });
  };
  for (const create of eagerInstrumentations) enable(create());
  traceIncomingRequests({
    sampler,
    idGenerator,
    scope: { name: 'toolforge-tracing-http-server', version },
    resource,
    onEnd: (span) => queue.onEnd(span),
  });
  traceOutgoingRequests({
    sampler,
    idGenerator,
    // instrumentation-http's name: these spans stand in for its spans, and queries select them by it.
    scope: { name: '@opentelemetry/instrumentation-http', version: HTTP_INSTRUMENTATION_VERSION },
    resource,
    onEnd: (span) => queue.onEnd(span),
    // As the SDK's first span does (PropagateFromFirstSpan): contexts propagate from the first call on.
    onCall: () => contextManager.startPropagating(),
  });
  // A database client or web framework being loaded says the app's requests will make
  // traced calls: propagation starts before its first request (see context-on-demand.ts).
  enableOnFirstLoad(lazyInstrumentations, (instrumentation) => {
    contextManager.startPropagating();
    enable(instrumentation);
  });
  if (esm) registerEsmHooks(path.join(__dirname, 'hook.mjs'), esmHookedSpecifiers);

  // 'exit' also comes after process.exit() and an uncaught exception, where beforeExit does not.
  process.once('beforeExit', () => queue.flushBeforeExit());
  process.once('exit', () => queue.flushOnExit());
}
