import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * Random bytes drawn per refill: ids for ~680 server spans. Each refill has a fixed
 * cost far above its micro-benchmark figure in a busy app (OpenSSL's generator state is
 * cold by then): perf under load (Node 24) put refills of 4 KiB at ~0.3 us per request,
 * of 16 KiB at ~0.1.
 */
const POOL_BYTES = 16384;
const TRACE_ID_BYTES = 16;
const SPAN_ID_BYTES = 8;
const ZERO_TRACE_ID = '0'.repeat(2 * TRACE_ID_BYTES);
const ZERO_SPAN_ID = '0'.repeat(2 * SPAN_ID_BYTES);

/** 16 hex characters from `h` at `i`, as a flat string of their own (the characters are ASCII). */
function hex16(h: Buffer, i: number): string {
  return String.fromCharCode(h[i]!, h[i + 1]!, h[i + 2]!, h[i + 3]!, h[i + 4]!, h[i + 5]!, h[i + 6]!, h[i + 7]!, h[i + 8]!, h[i + 9]!, h[i + 10]!, h[i + 11]!, h[i + 12]!, h[i + 13]!, h[i + 14]!, h[i + 15]!);
}

function hex32(h: Buffer, i: number): string {
  // One call, not hex16 + hex16: a concatenation would be a rope of three strings.
  return String.fromCharCode(
    h[i]!, h[i + 1]!, h[i + 2]!, h[i + 3]!, h[i + 4]!, h[i + 5]!, h[i + 6]!, h[i + 7]!, h[i + 8]!, h[i + 9]!, h[i + 10]!, h[i + 11]!, h[i + 12]!, h[i + 13]!, h[i + 14]!, h[i + 15]!,
    h[i + 16]!, h[i + 17]!, h[i + 18]!, h[i + 19]!, h[i + 20]!, h[i + 21]!, h[i + 22]!, h[i + 23]!, h[i + 24]!, h[i + 25]!, h[i + 26]!, h[i + 27]!, h[i + 28]!, h[i + 29]!, h[i + 30]!, h[i + 31]!,
  );
}

/**
 * Trace and span ids read from one buffer of random hex characters, refilled in place
 * from the kernel's CSPRNG every 16 KiB of randomness. Each id is a small string of its
 * own, made in JavaScript (~70 ns; a native hex conversion per id, as the SDK's
 * generator does, costs ~160-200 ns). Ids cut as slices of one long hex string (~20 ns,
 * as before) kept that 32 KiB string alive in the young generation as long as any span
 * cut from it: every scavenge copied it and then promoted it, ~100 of the ~420 bytes per
 * request that outlived a scavenge in the client+server bench
 * (bench/preload-overhead.ts --part client-server), and old-space growth. All-zero ids
 * are invalid in W3C trace context; one is never returned.
 */
export class PooledIdGenerator implements IdGenerator {
  // Buffers refilled in place: a new one per refill left ~5 MiB of ArrayBuffers waiting for GC under load.
  private readonly random = Buffer.allocUnsafeSlow(POOL_BYTES);
  private readonly hex = Buffer.allocUnsafeSlow(2 * POOL_BYTES);
  private next = 2 * POOL_BYTES;

  /** `fill` is the randomness: the kernel's CSPRNG, or a test's bytes. */
  constructor(private readonly fill: (buffer: Buffer) => Buffer = randomFillSync) {}

  generateTraceId = (): string => this.take(2 * TRACE_ID_BYTES, ZERO_TRACE_ID, hex32);

  generateSpanId = (): string => this.take(2 * SPAN_ID_BYTES, ZERO_SPAN_ID, hex16);

  private take(chars: number, invalid: string, read: (h: Buffer, i: number) => string): string {
    for (;;) {
      if (this.next + chars > this.hex.length) {
        // The one string per refill dies at once: nothing keeps it.
        this.hex.write(this.fill(this.random).toString('hex'), 0, 'latin1');
        this.next = 0;
      }
      const id = read(this.hex, this.next);
      this.next += chars;
      if (id !== invalid) return id;
    }
  }
}
