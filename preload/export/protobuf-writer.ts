/**
 * The protobuf wire format, written into one growable off-heap buffer. What the preload
 * keeps between a span's end and its export is these bytes, not span objects: the heap
 * then holds nothing per queued span, so V8's young generation does not grow with the
 * request rate (bench/preload-overhead.ts, peak RSS).
 */
/** Wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

const TWO_32 = 0x100000000;
/** Below this many UTF-16 units a string's length fits the one-byte varint even if all were ASCII. */
const SHORT_STRING = 128;
/** Hex digit values by character code (0-9, a-f, A-F). */
const HEX = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) HEX[97 + i] = HEX[65 + i] = 10 + i;

export class ProtobufWriter {
  buffer: Buffer;
  pos = 0;

  constructor(initialSize: number) {
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool.
    this.buffer = Buffer.allocUnsafeSlow(initialSize);
  }

  /** The bytes written so far (a view: valid until the next write). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.pos);
  }

  /** Room for `extra` more bytes. Small enough for V8 to inline into every write; growing is a call. */
  private ensure(extra: number): void {
    if (this.pos + extra > this.buffer.length) this.grow(this.pos + extra);
  }

  private grow(needed: number): void {
    let size = this.buffer.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafeSlow(size);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  tag(field: number, wireType: number): void {
    this.varint32((field << 3) | wireType);
  }

  /** A uint32 (lengths, tags, enums, counts). */
  varint32(value: number): void {
    this.ensure(5);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.buffer[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[this.pos++] = v;
  }

  /** An int64 from an integral JS number (two's complement for negatives). */
  varint64(value: number): void {
    let low = value >>> 0;
    let high = Math.floor(value / TWO_32) >>> 0;
    this.ensure(10);
    while (high !== 0 || low > 0x7f) {
      this.buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buffer[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.littleEndian32(value);
  }

  /** fixed64 from its two 32-bit halves. */
  fixed64(low: number, high: number): void {
    this.ensure(8);
    this.littleEndian32(low);
    this.littleEndian32(high);
  }

  /** Byte stores: Buffer's writeUInt32LE checks its arguments on every call. */
  private littleEndian32(value: number): void {
    const b = this.buffer;
    b[this.pos++] = value & 0xff;
    b[this.pos++] = (value >>> 8) & 0xff;
    b[this.pos++] = (value >>> 16) & 0xff;
    b[this.pos++] = (value >>> 24) & 0xff;
  }

  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string. Short ASCII strings (most attribute keys and values) are copied in JavaScript: cheaper than a call into Buffer's native writer. */
  string(value: string): void {
    const n = value.length;
    if (n < SHORT_STRING) {
      this.ensure(n + 1);
      const b = this.buffer;
      let p = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        b[this.pos] = n;
        this.pos = p;
        return;
      }
    }
    const length = Buffer.byteLength(value, 'utf8');
    this.varint32(length);
    this.ensure(length);
    this.pos += this.buffer.write(value, this.pos, length, 'utf8');
  }

  /** Length-prefixed bytes given as a hex string (trace and span ids, lowercase as the SDK makes them). */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint32(length);
    this.ensure(length);
    const b = this.buffer;
    let p = this.pos;
    for (let i = 0; i < 2 * length; i += 2) b[p++] = (HEX[hex.charCodeAt(i)]! << 4) | HEX[hex.charCodeAt(i + 1)]!;
    this.pos = p;
  }

  /** `bytes` as they are (an already encoded field). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /**
   * The bytes from `start` to the end as field `field` of an enclosing message: its tag
   * and length are written into the room the caller left before `start` (6 bytes do).
   */
  framedFrom(start: number, field: number): Buffer {
    let length = this.pos - start;
    let size = 1;
    for (let v = length >>> 7; v !== 0; v >>>= 7) size++;
    const head = start - size - 1;
    if (head < 0) throw new RangeError('no room for the field head');
    let p = head;
    this.buffer[p++] = (field << 3) | LEN;
    while (length > 0x7f) {
      this.buffer[p++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    this.buffer[p] = length;
    return this.buffer.subarray(head, this.pos);
  }

  /** Starts a nested message; returns what `finish` needs. One length byte is reserved (most messages are short). */
  start(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Writes the nested message's length where `start` reserved it, moving the content when the length needs more bytes. */
  finish(at: number): void {
    const length = this.pos - at - 1;
    let size = 1;
    for (let v = length >>> 7; v !== 0; v >>>= 7) size++;
    if (size > 1) {
      this.ensure(size - 1);
      this.buffer.copyWithin(at + size, at + 1, this.pos);
      this.pos += size - 1;
    }
    let v = length;
    let p = at;
    while (v > 0x7f) {
      this.buffer[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[p] = v;
  }
}
