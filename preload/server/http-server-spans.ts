import http from 'node:http';
import https from 'node:https';
import { SpanStatusCode, context, propagation, type Context } from '@opentelemetry/api';
import { RPCType, type RPCMetadata } from '@opentelemetry/core';
import { EMPTY_CONTEXT } from '../sdk/derived-context.js';
import { setHostAndPort } from './host-header.js';
import { RequestContext } from './request-context.js';
import { ServerSpan, type RequestFacts, type ServerSpanSettings } from './server-span.js';

/**
 * SERVER spans for incoming HTTP requests, without @opentelemetry/instrumentation-http's
 * server side (outgoing requests: client/http-client-spans.ts). That one computes and records far
 * more per request than the graph or the privacy rules allow out of the pod; measured on
 * a hello-world app the whole preload cost ~60 us of CPU per request with it and
 * ~30-40 us with this (bench/preload-overhead.ts, "CPU us/req"). The span carries only what may leave the pod: method,
 * path without query, scheme, host name and port the client used, protocol version,
 * route (set by the express/koa instrumentations), status.
 */
type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;

const SERVERS = [http.Server.prototype, https.Server.prototype] as unknown as Array<{ emit: Emit }>;

/** Starts the request's span (ended when the response closes, which also follows 'finish'); returns the context the handler runs in. */
function requestContext(settings: ServerSpanSettings, scheme: string, req: http.IncomingMessage, res: http.ServerResponse): Context {
  // Extracted onto EMPTY_CONTEXT, not ROOT_CONTEXT: the remote parent is then a DerivedContext, not a BaseContext (derived-context.ts).
  const parent = propagation.extract(EMPTY_CONTEXT, req.headers);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const method = req.method ?? 'GET';
  const facts: RequestFacts = {
    method,
    scheme,
    path: q === -1 ? url : url.slice(0, q),
    protocolVersion: req.httpVersion,
    host: undefined,
    port: undefined,
  };
  setHostAndPort(facts, req.headers.host);
  const span = new ServerSpan(method, facts, parent, settings);
  // express and koa instrumentations set `route` on this object.
  const rpc: RPCMetadata = { type: RPCType.HTTP, span };
  // 'close' is emitted once per response on Node 18+: after 'finish', or when the connection ends first.
  res.on('close', () => {
    if (rpc.route !== undefined) {
      span.setAttribute('http.route', rpc.route);
      span.updateName(`${method} ${rpc.route}`);
    }
    const finished = res.writableFinished;
    if (res.headersSent || finished) span.setAttribute('http.response.status_code', res.statusCode);
    if (!finished) span.setAttribute('error.type', 'aborted');
    if (res.statusCode >= 500 || !finished) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  // No context.bind of req/res (instrumentation-http does it, at a measurable cost):
  // on Node 18-24 the request's 'data'/'end' listeners already run in this context
  // once contexts propagate (context-on-demand.ts);
  // tests/preload/destinations.test.ts checks a call made after a body parser.
  return new RequestContext(parent, span, rpc);
}

/** Patches http(s).Server.prototype.emit once; spans are made and ended as `settings` say. */
export function traceIncomingRequests(settings: ServerSpanSettings): void {
  for (const [proto, scheme] of [
    [SERVERS[0]!, 'http'],
    [SERVERS[1]!, 'https'],
  ] as const) {
    const original = proto.emit;
    /* eslint-disable prefer-rest-params -- every event of every server passes here, most of them
       not requests: `arguments` passes them on without building an array for each. */
    proto.emit = function emit(this: unknown, event: string | symbol): boolean {
      if (event !== 'request') return original.apply(this, arguments as unknown as Parameters<Emit>);
      // 'request' always comes with exactly these two: passed on by name, not spread.
      const req = arguments[1] as http.IncomingMessage;
      const res = arguments[2] as http.ServerResponse;
      let active: Context | undefined;
      try {
        active = requestContext(settings, scheme, req, res);
      } catch {
        // Our code failed before the app ran: the app runs untraced.
      }
      // Errors from the app's own handler propagate unchanged.
      return active === undefined ? original.call(this, event, req, res) : context.with(active, original, this, event, req, res);
    };
    /* eslint-enable prefer-rest-params */
  }
}
