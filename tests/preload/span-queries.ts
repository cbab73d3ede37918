import type { ReceivedSpan } from '../support/otlp-decode.js';

/** Small selectors over received spans, shared by the preload tests. */
export const ofService = (spans: ReceivedSpan[], service: string): ReceivedSpan[] =>
  spans.filter((s) => s.resource['service.name'] === service);

export const clientSpans = (spans: ReceivedSpan[], service: string): ReceivedSpan[] =>
  ofService(spans, service).filter((s) => s.kind === 'CLIENT');

export const serverSpans = (spans: ReceivedSpan[], service: string): ReceivedSpan[] =>
  ofService(spans, service).filter((s) => s.kind === 'SERVER');

export const toPeer = (spans: ReceivedSpan[], peer: string): ReceivedSpan[] =>
  spans.filter((s) => s.attributes['peer.service'] === peer);

/** The statement attribute under stable or older semantic conventions. */
export const statementOf = (s: ReceivedSpan): unknown => s.attributes['db.query.text'] ?? s.attributes['db.statement'];

export const urlOf = (s: ReceivedSpan): unknown => s.attributes['url.full'] ?? s.attributes['http.url'];
