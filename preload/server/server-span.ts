import { SpanKind, type Context } from '@opentelemetry/api';
import { AttributeSlots, LightSpan, type LightSpanSettings } from '../sdk/light-span.js';

/**
 * What every request's span says, in this order (the span's slots, see light-span.ts):
 * the export path writes them without building or scanning an object per span
 * (server-span-encoding.ts).
 */
export const REQUEST_ATTRIBUTES = [
  'http.request.method',
  'url.scheme',
  'url.path',
  'network.protocol.version',
  'server.address',
  'server.port',
  'http.route',
  'http.response.status_code',
  'error.type',
] as const;
const SLOTS = new AttributeSlots(REQUEST_ATTRIBUTES);

/** What is known of a request when its span starts. */
export interface RequestFacts {
  method: string;
  scheme: string;
  path: string;
  protocolVersion: string;
  host: string | undefined;
  port: number | undefined;
}

export type ServerSpanSettings = LightSpanSettings;

/** The SERVER span of an incoming HTTP request (http-server-spans.ts makes one per request). */
export class ServerSpan extends LightSpan {
  constructor(name: string, facts: RequestFacts, parent: Context, settings: ServerSpanSettings) {
    super(name, SpanKind.SERVER, SLOTS, [facts.method, facts.scheme, facts.path, facts.protocolVersion, facts.host, facts.port, undefined, undefined, undefined], parent, settings);
  }
}
