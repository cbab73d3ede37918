/**
 * The HTTPS shell around admit(): routes, body limits, error mapping, metrics.
 * Whatever happens past a readable uid, the answer is "allowed" (fail open).
 */
import Fastify, { LogController, type FastifyError, type FastifyInstance } from 'fastify';
import type { Server } from 'node:https';
import { admit, type AdmitDeps, type AdmitResult } from './admit.js';
import type { Metrics } from './metrics.js';
import { reviewResponse } from './review.js';
import { secureOptions, type TlsMaterial } from './tls.js';

export interface WebhookServerOptions extends AdmitDeps {
  tls: TlsMaterial;
  metrics: Metrics;
  /** State of the namespace watch, reported by /readyz. */
  namespaceCacheState: () => 'synced' | 'unsynced' | 'off';
}

export type WebhookServer = FastifyInstance<Server> & { reloadTls(m: TlsMaterial): void };

/** Messages for the body errors fastify raises before our handler runs. */
function bodyErrorMessage(err: FastifyError, maxBodyBytes: number): string | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `body is larger than the limit of ${maxBodyBytes} bytes (server.maxBodyBytes)`;
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `body is not valid JSON: ${err.message}`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `content-type must be application/json: ${err.message}`;
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return `content-length does not match the body: ${err.message}`;
    default:
      return err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.message : undefined;
  }
}

function uidOf(body: unknown): string | undefined {
  const uid = (body as { request?: { uid?: unknown } } | undefined)?.request?.uid;
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const { metrics, config } = options;
  const app = Fastify({
    https: secureOptions(options.tls),
    bodyLimit: config.server.maxBodyBytes,
    // Logs go to stderr so stdout carries only the "listening on" line.
    logger: { level: config.server.logLevel, stream: process.stderr },
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });

  // AdmissionReviews are JSON only; a text body gets a clear 400 instead of a string.
  app.removeContentTypeParser('text/plain');

  const record = (result: AdmitResult, seconds: number) => {
    metrics.admissions.labels(result.outcome).inc();
    metrics.duration.labels(result.outcome).observe(seconds);
    if (result.reason !== undefined) metrics.skips.labels(result.reason).inc();
    for (const s of result.skippedContainers) metrics.skippedContainers.labels(s.reason).inc();
  };

  app.post('/mutate', async (request, reply) => {
    const start = process.hrtime.bigint();
    const result = admit(request.body, options);
    record(result, Number(process.hrtime.bigint() - start) / 1e9);
    const fields = { uid: result.uid, outcome: result.outcome, reason: result.reason, dryRun: result.dryRun, detail: result.detail };
    if (result.outcome === 'error') request.log.error(fields, 'admission failed open: allowed without patch');
    else if (result.outcome === 'bad-request') request.log.warn(fields, 'bad AdmissionReview');
    else request.log.debug({ ...fields, skippedContainers: result.skippedContainers }, 'admission');
    return reply.code(result.status).send(result.body);
  });

  app.get('/healthz', async () => 'ok\n');
  app.get('/readyz', async () => ({ ready: true, namespaceCache: options.namespaceCacheState() }));
  app.get('/metrics', async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });

  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    if (request.url.startsWith('/mutate')) {
      const uid = uidOf(request.body);
      if (uid !== undefined) {
        metrics.admissions.labels('error').inc();
        request.log.error({ err, uid }, 'admission failed open: allowed without patch');
        return reply.code(200).send(reviewResponse(uid));
      }
      const message = bodyErrorMessage(err, config.server.maxBodyBytes);
      if (message !== undefined) {
        metrics.admissions.labels('bad-request').inc();
        request.log.warn({ code: err.code }, message);
        return reply.code(400).send({ error: message });
      }
    }
    request.log.error({ err }, 'request failed');
    return reply.code(err.statusCode ?? 500).send({ error: err.message });
  });

  const server = app as unknown as WebhookServer;
  server.reloadTls = (m) => app.server.setSecureContext(secureOptions(m));
  return server;
}
