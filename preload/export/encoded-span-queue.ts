import { TraceFlags, type Context } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Profile } from '../../topology/index.js';
import { exportedAttributes } from '../attributes/exported-attributes.js';
import { attributes, scopeHead, spanHead, spanTail } from './otlp-span-encoding.js';
import { LEN, ProtobufWriter } from './protobuf-writer.js';
import { serverSpanAttributes, serverSpanHead } from './server-span-encoding.js';
import { ServerSpan } from '../server/server-span.js';

/**
 * The export path for OTLP/HTTP protobuf: ended spans are scrubbed, named and encoded
 * straight into the bytes of the next request, so the queue holds bytes off the
 * JavaScript heap instead of span objects (and nothing per span is serialized twice).
 * Spans are encoded in runs of ENCODE_RUN, not one by one as they end: between two of
 * the app's requests the encoder's code and data have left the CPU's caches, and a
 * span encoded alone cost ~1.9 us where one in a run costs ~1.4 us (measured in place,
 * hello-world fastify app under load, Node 22). Bounded: at most `maxQueueSize` spans
 * wait, in requests of at most `maxExportBatchSize`; beyond that new spans are dropped.
 * One request in flight at most.
 *
 * Every span is exported, sampled or not (the service graph counts 100%): an unsampled
 * one goes out slim, with `toolforge.sampled=false`; see exported-attributes.ts.
 */
export interface QueueSettings {
  maxQueueSize: number;
  maxExportBatchSize: number;
  scheduledDelayMillis: number;
  exportTimeoutMillis: number;
  /** A finishing app waits at most this long for its last spans (and not at all after a failed export). */
  exitFlushMillis: number;
}

export type Post = (body: Buffer, timeoutMillis: number) => Promise<boolean>;
/** Sends the last requests synchronously from the 'exit' event, blocking at most `timeoutMillis` (send-at-exit.ts). */
export type PostAtExit = (bodies: Buffer[], timeoutMillis: number) => void;

/** One request's worth of spans, as ScopeSpans messages (ResourceSpans field 2) being written. */
interface Batch {
  writer: ProtobufWriter;
  spans: number;
  scope: InstrumentationScope | undefined;
  scopeAt: number;
}

const INITIAL_BATCH_BYTES = 16 * 1024;
/**
 * Ended spans encoded together. The span objects waiting for their run are alive at
 * scavenges and make V8 grow its young generation sooner: runs of 64 left ~110 more
 * bytes per request outliving a scavenge than runs of 16 (or 8) in the client+server
 * bench (Node 20, fixed 4 MiB semi-spaces: 470 -> 365; bench/preload-overhead.ts
 * --part client-server). The CPU a run saves is mostly had by 16.
 */
const ENCODE_RUN = 16;
/** A field tag and a length of up to 2^35: what precedes the ResourceSpans message. */
const REQUEST_HEAD_ROOM = 6;

export class EncodedSpanQueue implements SpanProcessor {
  private readonly scopeHeads = new WeakMap<InstrumentationScope, Buffer>();
  private readonly full: Batch[] = [];
  private readonly free: Batch[] = [];
  private current: Batch | undefined;
  /** Ended spans not encoded yet (fewer than ENCODE_RUN, or until the timer). */
  private readonly ended: ReadableSpan[] = [];
  /** Spans encoded and not sent yet. */
  private queued = 0;
  private sending = false;
  private timer: NodeJS.Timeout | undefined;
  private lastExportFailed = false;
  /** While the exit flush holds the event loop: when it lets go. */
  private exitDeadline: number | undefined;
  /** The exit flush ran out of time: the collector did not answer, and will not be waited for again. */
  private exitFlushExpired = false;
  /** In the 'exit' event: batches are collected for postAtExit, not sent. */
  private exiting = false;
  private readonly idle: Array<() => void> = [];

  constructor(
    private readonly settings: QueueSettings,
    private readonly profile: Profile,
    /** ResourceSpans.resource, encoded once. */
    private readonly resource: Buffer,
    private readonly post: Post,
    private readonly postAtExit: PostAtExit,
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (this.queued + this.ended.length >= this.settings.maxQueueSize) return;
    this.ended.push(span);
    // A run that completes the batch is encoded at once, so the batch goes out as soon as it is full.
    if (this.ended.length >= ENCODE_RUN || (this.current?.spans ?? 0) + this.ended.length >= this.settings.maxExportBatchSize) this.encodeEnded();
    else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.sendAll();
      }, this.settings.scheduledDelayMillis).unref();
  }

  /** Encodes what has ended and sends it, with whatever is queued. */
  private sendAll(): void {
    this.encodeEnded();
    this.seal();
    this.pump();
  }

  /** Encodes the ended spans into the current batch, sending each batch that fills up. */
  private encodeEnded(): void {
    const ended = this.ended;
    for (let i = 0; i < ended.length; i++) {
      this.append(ended[i]!);
      if (this.current !== undefined && this.current.spans >= this.settings.maxExportBatchSize) {
        this.seal();
        this.pump();
      }
    }
    ended.length = 0;
  }

  /** One span into the current batch, or nothing at all if it cannot be described. */
  private append(span: ReadableSpan): void {
    const batch = (this.current ??= this.newBatch());
    const w = batch.writer;
    const pos = w.pos;
    const scope = batch.scope;
    const scopeAt = batch.scopeAt;
    try {
      this.enterScope(batch, span.instrumentationScope);
      w.tag(2, LEN);
      const at = w.start();
      this.encode(w, span);
      w.finish(at);
    } catch {
      // A span that cannot be described is dropped, and what it had written with it; the app never sees an error.
      w.pos = pos;
      batch.scope = scope;
      batch.scopeAt = scopeAt;
      return;
    }
    batch.spans++;
    this.queued++;
  }

  /** The fields of one Span message: scrubbed and named (exported-attributes.ts), the preload's own server spans by their fast path. */
  private encode(w: ProtobufWriter, span: ReadableSpan): void {
    if (span instanceof ServerSpan) {
      serverSpanHead(w, span);
      serverSpanAttributes(w, span, this.profile);
      spanTail(w, span, span.sampled);
    } else {
      spanHead(w, span);
      const sampled = (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
      attributes(w, 9, exportedAttributes(span.kind, span.attributes, sampled, this.profile));
      spanTail(w, span, sampled);
    }
  }

  /** Opens a ScopeSpans message for `scope` unless the batch is writing that scope's already. */
  private enterScope(batch: Batch, scope: InstrumentationScope): void {
    if (batch.scope === scope) return;
    const w = batch.writer;
    if (batch.scope !== undefined) w.finish(batch.scopeAt);
    w.tag(2, LEN);
    batch.scopeAt = w.start();
    w.raw(this.scopeHead(scope));
    batch.scope = scope;
  }

  /**
   * A batch starts with room for the request's own tag and length, then the resource:
   * the request is sent straight from the batch's buffer, with no per-request allocation
   * (allocating ~100 KB Buffers per export made V8 collect and grow the heap more often).
   */
  private newBatch(): Batch {
    const batch = this.free.pop() ?? { writer: new ProtobufWriter(INITIAL_BATCH_BYTES), spans: 0, scope: undefined, scopeAt: 0 };
    batch.writer.pos = REQUEST_HEAD_ROOM;
    batch.writer.raw(this.resource);
    return batch;
  }

  private scopeHead(scope: InstrumentationScope): Buffer {
    let head = this.scopeHeads.get(scope);
    if (head === undefined) {
      head = scopeHead(scope);
      this.scopeHeads.set(scope, head);
    }
    return head;
  }

  /** Moves the batch being written to the send queue. */
  private seal(): void {
    const batch = this.current;
    if (batch === undefined || batch.spans === 0) return;
    if (batch.scope !== undefined) batch.writer.finish(batch.scopeAt);
    this.full.push(batch);
    this.current = undefined;
  }


  private pump(): void {
    if (this.sending || this.exiting) return;
    const batch = this.full.shift();
    if (batch === undefined) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    // ExportTraceServiceRequest { resource_spans = 1: ResourceSpans { resource = 1, scope_spans = 2... } }
    const body = batch.writer.framedFrom(REQUEST_HEAD_ROOM, 1);
    this.queued -= batch.spans;
    this.sending = true;
    const timeout = this.exitDeadline === undefined ? this.settings.exportTimeoutMillis : Math.min(this.settings.exportTimeoutMillis, this.exitDeadline - Date.now());
    void this.post(body, timeout).then((ok) => {
      batch.spans = 0;
      batch.scope = undefined;
      this.free.push(batch);
      this.lastExportFailed = !ok;
      if (ok) this.exitFlushExpired = false;
      this.sending = false;
      this.pump();
    });
  }

  /**
   * Called once the app's event loop is empty (`beforeExit`): sends what is pending,
   * unless the last export failed (a collector known to be failing would only delay the
   * app's exit). The export sockets never keep the loop alive (otlp-http-post.ts); this
   * timer does, until everything is sent or `exitFlushMillis` has passed, so a finishing
   * app waits at most that long whatever the collector does. No signal handler is
   * involved: SIGTERM ends the app as before.
   */
  flushBeforeExit(): void {
    if (this.lastExportFailed || (this.queued + this.ended.length === 0 && !this.sending)) return;
    this.exitDeadline = Date.now() + this.settings.exitFlushMillis;
    const hold = setTimeout(() => {
      this.exitDeadline = undefined;
      this.exitFlushExpired = true;
    }, this.settings.exitFlushMillis);
    this.idle.push(() => {
      clearTimeout(hold);
      this.exitDeadline = undefined;
    });
    this.sendAll();
  }

  /**
   * Called in the 'exit' event (process.exit(), an uncaught exception, or after the flush
   * above): what is still pending goes out synchronously, within `exitFlushMillis` or what
   * is left of the flush's. Not after a failed export, nor after a flush the collector did
   * not answer in time. A request in flight at this moment is not sent again: it may have
   * arrived.
   */
  flushOnExit(): void {
    if (this.lastExportFailed || this.exitFlushExpired) return;
    const left = Math.min(this.settings.exportTimeoutMillis, this.exitDeadline === undefined ? this.settings.exitFlushMillis : this.exitDeadline - Date.now());
    this.exiting = true;
    this.encodeEnded();
    this.seal();
    const bodies = this.full.splice(0).map((batch) => batch.writer.framedFrom(REQUEST_HEAD_ROOM, 1));
    this.queued = 0;
    this.postAtExit(bodies, left);
  }

  forceFlush(): Promise<void> {
    this.encodeEnded();
    this.seal();
    const done = new Promise<void>((resolve) => this.idle.push(resolve));
    this.pump();
    if (!this.sending && this.full.length === 0) for (const resolve of this.idle.splice(0)) resolve();
    return done;
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}
