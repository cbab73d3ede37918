import { errorMonitor } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { syncBuiltinESMExports } from 'node:module';
import { SpanKind, SpanStatusCode, context, diag, propagation, type TextMapSetter } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
// The package's index exports only the instrumentation class; these are its own functions
// for reading a request's options and a response, so the spans say what its spans said.
import {
  extractHostnameAndPort,
  getOutgoingRequestAttributes,
  getOutgoingRequestAttributesOnResponse,
  getRequestInfo,
  isValidOptionsType,
  parseResponseStatus,
  setSpanWithError,
} from '@opentelemetry/instrumentation-http/build/src/utils.js';
import { DerivedContext, SPAN_KEY } from '../sdk/derived-context.js';
import type { LightSpanSettings } from '../sdk/light-span.js';
import { ClientSpan } from './client-span.js';

/**
 * CLIENT spans for outgoing http/https requests, without @opentelemetry/instrumentation-http's
 * instrumentation (the SDK's span, a context copy per call, both emitters bound to the
 * caller's context, metrics records): under load with incoming and outgoing calls in one
 * process those were most of the bytes that outlived a scavenge, and V8 grew the young
 * generation for them (bench/preload-overhead.ts --part client-server). The span's
 * attributes, name, status and error are made by that package's own functions, from the
 * same parsed options, so what is exported (and scrubbed, and named by topology/) is what
 * its spans gave. The request goes out as the app made it (instrumentation-http passed
 * Node its own copy of the options), with the traceparent header set on it.
 *
 * Context: the request is made in the caller's context (instrumentation-http made it in
 * the span's, and bound the callback and both emitters back to the caller's), so what
 * its events run in is what Node gives them without the preload: the response's, in the
 * context the request got its socket in, which Node keeps as the caller's also for a
 * request that waited for a free socket of its agent (its QueuedRequest async resource);
 * the request's own 'error', 'close' and 'timeout', in the context its socket was
 * created in (for a reused keep-alive socket, an earlier request's). A call made from
 * such a listener is counted and named as any, in that context's trace.
 */
type Request = (this: unknown, ...args: unknown[]) => http.ClientRequest;
type Module = { request: Request; get: Request };

export interface ClientSpanSettings extends LightSpanSettings {
  /** Called for every traced call, before the request is made. */
  onCall: () => void;
}

function failed(span: ClientSpan | undefined, error: Error): void {
  if (span === undefined || span.ended) return;
  setSpanWithError(span, error);
  span.end();
}

/**
 * The span of a traced call, kept on its request and its response, so that one set of
 * listeners serves every call: six closures per call (and their scopes) were bytes alive
 * at each scavenge for as long as the call lasted (~25 of the ~370 per request that
 * outlive one in the client+server bench, bench/preload-overhead.ts).
 */
const SPAN = Symbol('toolforge-tracing client span');
type Traced = { [SPAN]?: ClientSpan };
/**
 * Undefined when a listener runs on something else: an app that copies an emitter's
 * listeners onto its own emitter, or calls one bare. Then the listener does nothing;
 * it must never throw into the app's events.
 */
const spanOf = (emitter: unknown): ClientSpan | undefined => (emitter as Traced | null | undefined)?.[SPAN];

function onResponse(this: http.ClientRequest, response: http.IncomingMessage): void {
  const span = spanOf(this);
  if (span === undefined) return;
  if (this.listenerCount('response') <= 1) response.resume();
  (response as unknown as Traced)[SPAN] = span;
  span.setAttributes(getOutgoingRequestAttributesOnResponse(response));
  response.on('end', onResponseEnd);
  response.on(errorMonitor, onResponseError);
}

function onResponseEnd(this: http.IncomingMessage): void {
  const span = spanOf(this);
  if (span === undefined || span.ended) return;
  span.setStatus({ code: this.aborted && !this.complete ? SpanStatusCode.ERROR : parseResponseStatus(SpanKind.CLIENT, this.statusCode) });
  span.end();
}

function onResponseError(this: http.IncomingMessage, error: Error): void {
  failed(spanOf(this), error);
}

function onClose(this: http.ClientRequest): void {
  const span = spanOf(this);
  if (span !== undefined && !this.aborted) span.end();
}

function onRequestError(this: http.ClientRequest, error: Error): void {
  failed(spanOf(this), error);
}

/** Ends the span as instrumentation-http did: at the response's end, its error, or the request's error or close. */
function watch(request: http.ClientRequest, span: ClientSpan): void {
  (request as unknown as Traced)[SPAN] = span;
  // First, so the response is read even when nobody else listens, as it was.
  request.prependListener('response', onResponse);
  request.on('close', onClose);
  request.on(errorMonitor, onRequestError);
}

/** Sets the propagation headers on a request not yet sent. */
const HEADERS: TextMapSetter<http.ClientRequest> = { set: (req, key, value) => req.setHeader(key, value) };

function traced(original: Request, component: 'http' | 'https', settings: ClientSpanSettings): Request {
  return function request(this: unknown, ...args: unknown[]): http.ClientRequest {
    const caller = context.active();
    let options = args[0];
    if (!isValidOptionsType(options) || isTracingSuppressed(caller)) return original.apply(this, args);
    // https.request's defaults, as instrumentation-http set them on a copy of plain options.
    if (component === 'https' && typeof options === 'object' && (options as object).constructor?.name !== 'URL') {
      const copy = { ...(options as https.RequestOptions) };
      copy.protocol ||= 'https:';
      copy.port ||= 443;
      options = copy;
    }
    const given = options as string | URL | http.RequestOptions;
    const extraOptions = typeof args[1] === 'object' && (typeof given === 'string' || given instanceof URL) ? (args[1] as http.RequestOptions) : undefined;
    const { method, optionsParsed } = getRequestInfo(diag, given, extraOptions);
    const { hostname, port } = extractHostnameAndPort(optionsParsed);
    const span = new ClientSpan(method, getOutgoingRequestAttributes(optionsParsed, { component, hostname, port }, false), caller, settings);
    settings.onCall();
    let req: http.ClientRequest;
    try {
      // The app's own arguments: Node makes the request exactly as without the preload.
      req = original.apply(this, args);
    } catch (error) {
      failed(span, error as Error);
      throw error;
    }
    // Node writes the head at once for headers given as an array or with `Expect`: such a
    // request goes without traceparent (instrumentation-http sent `Expect` ones with it,
    // and array ones broken, as `0: name` headers).
    // trace.setSpan(caller, span), as a DerivedContext whatever the caller's context is (derived-context.ts).
    if (!req.headersSent) propagation.inject(new DerivedContext(caller, SPAN_KEY, span), req, HEADERS);
    watch(req, span);
    return req;
  };
}

/**
 * Patches http.request/get and https.request/get once. `get` is request + end, as Node's
 * own (which calls its module's `request` directly, unpatched). ESM named imports of
 * node:http see the patched functions through syncBuiltinESMExports.
 */
export function traceOutgoingRequests(settings: ClientSpanSettings): void {
  for (const [module, component] of [
    [http, 'http'],
    [https, 'https'],
  ] as Array<[Module, 'http' | 'https']>) {
    const request = traced(module.request, component, settings);
    module.request = request;
    module.get = function get(this: unknown, ...args: unknown[]): http.ClientRequest {
      const req = request.apply(this, args);
      req.end();
      return req;
    };
  }
  syncBuiltinESMExports();
}
