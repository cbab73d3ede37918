import { SpanKind, type Attributes, type Context } from '@opentelemetry/api';
import { AttributeSlots, LightSpan, type LightSpanSettings } from '../sdk/light-span.js';

/**
 * What an outgoing HTTP call's span says (the span's slots, see light-span.ts): what
 * instrumentation-http's attribute functions give at the start and at the response
 * (http-client-spans.ts), and the error type of a failed call.
 */
export const CALL_ATTRIBUTES = [
  'http.request.method',
  'http.request.method_original',
  'server.address',
  'server.port',
  'url.full',
  'user_agent.original',
  'http.response.status_code',
  'network.peer.address',
  'network.peer.port',
  'network.protocol.version',
  'error.type',
] as const;
const SLOTS = new AttributeSlots(CALL_ATTRIBUTES);

/** The CLIENT span of an outgoing http/https request. */
export class ClientSpan extends LightSpan {
  constructor(name: string, attributes: Attributes, parent: Context, settings: LightSpanSettings) {
    super(name, SpanKind.CLIENT, SLOTS, CALL_ATTRIBUTES.map(() => undefined), parent, settings);
    this.setAttributes(attributes);
  }
}
