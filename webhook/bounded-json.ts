/**
 * A JSON body read with a bounded cost: its size and its nesting are checked chunk by
 * chunk as it arrives, so a hostile body is judged at the first byte too many or the
 * first level too deep, and the rest is discarded unscanned. JSON.parse then only ever
 * sees a body at most `maxBytes` long and `maxJsonDepth` deep, and no single client can
 * hold the event loop for longer than one such parse.
 */
import type { Readable } from 'node:stream';

/**
 * Deepest nesting a Pod AdmissionReview needs, with a wide margin: the envelope is 3
 * levels (review, request, object), a pod's deepest fields (affinity terms, projected
 * volumes, managedFields' fieldsV1) about 15 more.
 */
export const maxJsonDepth = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Tracks nesting depth over a byte stream. Brackets inside strings do not count; UTF-8
 * continuation bytes are never ASCII, so a byte-wise scan cannot mistake them. Malformed
 * JSON is JSON.parse's to report: this only has to bound the depth.
 */
export class DepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly limit: number = maxJsonDepth) {}

  /** False as soon as the nesting has gone deeper than the limit. */
  feed(chunk: Uint8Array): boolean {
    let { depth, inString, escaped } = this;
    const limit = this.limit;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
        if (++depth > limit) return false;
      } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return true;
  }
}

export type BodyRefusal = { reason: 'too-large'; limit: number } | { reason: 'too-deep'; limit: number };

export class BodyRefused extends Error {
  override name = 'BodyRefused';
  constructor(readonly refusal: BodyRefusal) {
    super(refusal.reason === 'too-large' ? `body is larger than ${refusal.limit} bytes` : `body nests deeper than ${refusal.limit} levels`);
  }
}

/**
 * Reads `stream` to one Buffer, refusing (rejecting with BodyRefused) a body that passes
 * `maxBytes` or `maxDepth`. Past the refusal the rest is only discarded, not kept or
 * scanned, and the refusal is answered when the client has finished sending: a client
 * still writing to a closed connection would get a reset instead of the 400 that says
 * why (the server's requestTimeout bounds how long that can take).
 */
export function readBoundedJson(stream: Readable, maxBytes: number, maxDepth = maxJsonDepth): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const scanner = new DepthScanner(maxDepth);
    let chunks: Buffer[] = [];
    let bytes = 0;
    let refusal: BodyRefusal | undefined;
    const refuse = (r: BodyRefusal) => {
      refusal = r;
      chunks = [];
    };
    stream.on('data', (chunk: Buffer) => {
      if (refusal !== undefined) return;
      bytes += chunk.length;
      if (bytes > maxBytes) return refuse({ reason: 'too-large', limit: maxBytes });
      if (!scanner.feed(chunk)) return refuse({ reason: 'too-deep', limit: maxDepth });
      chunks.push(chunk);
    });
    stream.on('end', () => (refusal === undefined ? resolve(Buffer.concat(chunks, bytes)) : reject(new BodyRefused(refusal))));
    stream.once('error', reject);
  });
}
