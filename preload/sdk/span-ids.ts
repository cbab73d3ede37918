import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * Hex characters drawn per refill: ids for ~680 server spans. Each refill has a fixed
 * cost far above its micro-benchmark figure in a busy app (OpenSSL's generator state is
 * cold by then): perf under load (Node 24) put refills of 4 KiB at ~0.3 us per request,
 * of 16 KiB at ~0.1.
 */
const POOL_HEX_CHARS = 32768;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
const ZERO = 0x30;

/**
 * Trace and span ids cut from one long random hex string, refilled from the kernel's
 * CSPRNG every 16 KiB: an id is then a slice of a string, where the SDK's generator
 * converts a buffer to hex in native code for each one (~0.2 us per id, two per span).
 * All-zero ids are invalid in W3C trace context; one is never returned.
 */
export class PooledIdGenerator implements IdGenerator {
  // One buffer refilled in place: a new one per refill left ~5 MiB of ArrayBuffers waiting for GC under load.
  private readonly random = Buffer.allocUnsafeSlow(POOL_HEX_CHARS / 2);
  private pool = '';
  private next = POOL_HEX_CHARS;

  /** `fill` is the randomness: the kernel's CSPRNG, or a test's bytes. */
  constructor(private readonly fill: (buffer: Buffer) => Buffer = randomFillSync) {}

  generateTraceId = (): string => this.take(32, ZERO_TRACE_ID);

  generateSpanId = (): string => this.take(16, ZERO_SPAN_ID);

  private take(chars: number, invalid: string): string {
    for (;;) {
      if (this.next + chars > POOL_HEX_CHARS) {
        this.pool = this.fill(this.random).toString('hex');
        this.next = 0;
      }
      const id = this.pool.slice(this.next, this.next + chars);
      this.next += chars;
      // The first character decides almost always: comparing a sliced string in full is a call into the runtime.
      if (id.charCodeAt(0) !== ZERO || id !== invalid) return id;
    }
  }
}
