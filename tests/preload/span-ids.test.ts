// Trace and span ids cut from a pooled random hex string (preload/sdk/span-ids.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PooledIdGenerator } from '../../preload/sdk/span-ids.js';

describe('PooledIdGenerator', () => {
  it('gives W3C-shaped ids, all different, across many refills of the pool', () => {
    const ids = new PooledIdGenerator();
    const traceIds = new Set<string>();
    const spanIds = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const t = ids.generateTraceId();
      const s = ids.generateSpanId();
      assert.match(t, /^[0-9a-f]{32}$/);
      assert.match(s, /^[0-9a-f]{16}$/);
      assert.notEqual(t, '0'.repeat(32));
      traceIds.add(t);
      spanIds.add(s);
    }
    assert.equal(traceIds.size, 5000);
    assert.equal(spanIds.size, 5000);
  });

  it('works detached, as the SDK tracer calls it', () => {
    const { generateTraceId, generateSpanId } = new PooledIdGenerator();
    assert.match(generateTraceId(), /^[0-9a-f]{32}$/);
    assert.match(generateSpanId(), /^[0-9a-f]{16}$/);
  });

  it('draws fresh randomness per generator: two never repeat each other', () => {
    const a = new PooledIdGenerator();
    const b = new PooledIdGenerator();
    assert.notEqual(a.generateTraceId(), b.generateTraceId());
  });

  it('never returns an all-zero id, the W3C invalid value: the next one is taken instead', () => {
    // The pool's bytes: zeros first (one invalid trace id, or two invalid span ids), then 0xab.
    const zerosFirst = (zeroBytes: number) => (buffer: Buffer) => buffer.fill(0xab).fill(0, 0, zeroBytes);
    assert.equal(new PooledIdGenerator(zerosFirst(16)).generateTraceId(), 'abababababababababababababababab');
    assert.equal(new PooledIdGenerator(zerosFirst(16)).generateSpanId(), 'abababababababab');
  });

  it('keeps an id with leading zeros that is not all zeros', () => {
    const ids = new PooledIdGenerator((buffer) => buffer.fill(0xab).fill(0, 0, 15));
    assert.equal(ids.generateTraceId(), '000000000000000000000000000000ab');
  });
});
