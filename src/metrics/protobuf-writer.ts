/**
 * A minimal protocol-buffers encoder: just the wire types the TensorBoard `Event` and `Summary` messages need
 * (varint, 64-bit, length-delimited, 32-bit). Fields are written in the order the caller writes them; nested
 * messages are encoded separately and written as bytes.
 *
 * Wire format: https://protobuf.dev/programming-guides/encoding/ — each field is a varint key
 * `(fieldNumber << 3) | wireType` followed by its payload, little-endian for fixed-width types.
 */
import { MetricsError } from './errors.js';

/** Protobuf wire types (the low 3 bits of a field key). */
const WireType = { Varint: 0, Fixed64: 1, LengthDelimited: 2, Fixed32: 5 } as const;
type WireType = (typeof WireType)[keyof typeof WireType];

const UTF8 = new TextEncoder();

/**
 * Accumulates the encoding of one message.
 * @category Metrics
 */
export class ProtobufWriter {
  private readonly bytes: number[] = [];
  private readonly scratch = new DataView(new ArrayBuffer(8));

  /** Writes an `int64`/`uint64`/`int32` field. `value` must be a safe integer; negatives take 10 bytes (two's complement). */
  int64(field: number, value: number): this {
    if (!Number.isSafeInteger(value)) {
      throw new MetricsError(`ProtobufWriter.int64: field ${field} value ${value} is not a safe integer`);
    }
    this.key(field, WireType.Varint);
    this.varint(value);
    return this;
  }

  /** Writes a `double` field (8 bytes, little-endian IEEE 754). */
  double(field: number, value: number): this {
    this.key(field, WireType.Fixed64);
    this.scratch.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.bytes.push(this.scratch.getUint8(i));
    return this;
  }

  /** Writes a `float` field (4 bytes, little-endian IEEE 754; `value` is rounded to float32). */
  float(field: number, value: number): this {
    this.key(field, WireType.Fixed32);
    this.scratch.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.bytes.push(this.scratch.getUint8(i));
    return this;
  }

  /** Writes a `string` field as UTF-8. */
  string(field: number, value: string): this {
    return this.bytesField(field, UTF8.encode(value));
  }

  /** Writes a `bytes` field or an embedded message (already encoded). */
  bytesField(field: number, value: Uint8Array): this {
    this.key(field, WireType.LengthDelimited);
    this.varint(value.length);
    for (const b of value) this.bytes.push(b);
    return this;
  }

  /** The encoded message. */
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  private key(field: number, wireType: WireType): void {
    if (!Number.isInteger(field) || field < 1 || field > 536870911) {
      throw new MetricsError(`ProtobufWriter: field number ${field} is not in [1, 2^29 - 1]`);
    }
    this.varint(field * 8 + wireType);
  }

  /** Base-128 varint, least significant group first. Negative values are encoded as their 64-bit two's complement. */
  private varint(value: number): void {
    if (value < 0) {
      let v = BigInt.asUintN(64, BigInt(value));
      while (v >= 0x80n) {
        this.bytes.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      this.bytes.push(Number(v));
      return;
    }
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
  }
}
