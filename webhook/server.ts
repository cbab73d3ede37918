/**
 * The HTTPS shell around admit(): routes, body limits, error mapping, metrics.
 * Whatever happens past a readable uid, the answer is "allowed" (fail open).
 */
import Fastify, { errorCodes, type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Server } from 'node:https';
import { admit, type AdmitDeps, type AdmitResult } from './admit.js';
import { BodyRefused, maxJsonDepth, readBoundedJson } from './bounded-json.js';
import type { Metrics } from './metrics.js';
import { reviewJson, reviewResponse, type AdmissionReviewResponse } from './review.js';
import { secureOptions, type TlsMaterial } from './tls.js';

export interface WebhookServerOptions extends AdmitDeps {
  tls: TlsMaterial;
  metrics: Metrics;
  log: Logger;
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
    case tooDeepCode:
      return `body nests deeper than ${maxJsonDepth} levels`;
    default:
      return err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.message : undefined;
  }
}

const tooDeepCode = 'TT_ERR_BODY_TOO_DEEP';

/** A 400 the error handler below words like fastify's own body errors. */
function tooDeep(): FastifyError {
  return Object.assign(new Error(`body nests deeper than ${maxJsonDepth} levels`), { code: tooDeepCode, statusCode: 400, name: 'FastifyError' });
}

/** Every AdmissionReview answer goes out as the text reviewJson writes. */
const sendReview = (reply: FastifyReply, review: AdmissionReviewResponse) => reply.code(200).type('application/json; charset=utf-8').send(reviewJson(review));

const logFields = (r: AdmitResult) => ({ uid: r.uid, outcome: r.outcome, reason: r.reason, dryRun: r.dryRun, detail: r.detail });

function uidOf(body: unknown): string | undefined {
  const uid = (body as { request?: { uid?: unknown } } | undefined)?.request?.uid;
  return typeof uid === 'string' && uid !== '' ? uid : undefined;
}

export function createWebhookServer(options: WebhookServerOptions): WebhookServer {
  const { metrics, config, log } = options;
  const app = Fastify({
    https: secureOptions(options.tls),
    bodyLimit: config.server.maxBodyBytes,
    // The API server gives up after timeoutSeconds (<= 30); a request still arriving after that is dead.
    requestTimeout: 30_000,
    // Fastify's logger makes a child logger per request; admissions log only what matters.
    logger: false,
    return503OnClosing: true,
  });

  // AdmissionReviews are JSON only; a text body gets a clear 400 instead of a string.
  app.removeContentTypeParser('text/plain');

  // Size and depth are checked on each chunk as it arrives (bounded-json.ts): a hostile
  // body is refused at its first byte too many or level too deep, never buffered whole
  // or parsed, so it cannot hold the event loop that other admissions need.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  const maxBytes = config.server.maxBodyBytes;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (declared > maxBytes) return done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE(), undefined);
    readBoundedJson(payload, maxBytes).then(
      (body) => {
        if (!Number.isNaN(declared) && body.length !== declared) return done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH(), undefined);
        // fastify's JSON parser answers through done; its type also allows a promise, which it never returns.
        void parseJson(request, body.toString('utf8'), done);
      },
      (err: unknown) => {
        if (err instanceof BodyRefused) done(err.refusal.reason === 'too-large' ? new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE() : tooDeep(), undefined);
        else done(Object.assign(err as Error, { statusCode: 400 }), undefined);
      },
    );
  });

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
    if (result.outcome === 'error') log.error(logFields(result), 'admission failed open: allowed without patch');
    else if (result.outcome === 'bad-request') log.warn(logFields(result), 'bad AdmissionReview');
    else if (log.isLevelEnabled('debug')) log.debug({ ...logFields(result), skippedContainers: result.skippedContainers }, 'admission');
    if (result.status === 400) return reply.code(400).send(result.body);
    return sendReview(reply, result.body);
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
        log.error({ err, uid }, 'admission failed open: allowed without patch');
        return sendReview(reply, reviewResponse(uid));
      }
      const message = bodyErrorMessage(err, config.server.maxBodyBytes);
      if (message !== undefined) {
        metrics.admissions.labels('bad-request').inc();
        log.warn({ code: err.code }, message);
        return reply.code(400).send({ error: message });
      }
    }
    log.error({ err }, 'request failed');
    return reply.code(err.statusCode ?? 500).send({ error: err.message });
  });

  const server = app as unknown as WebhookServer;
  server.reloadTls = (m) => app.server.setSecureContext(secureOptions(m));
  return server;
}
