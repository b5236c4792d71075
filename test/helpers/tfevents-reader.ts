// An event-file reader for the tests, written independently of src/: bit-by-bit CRC-32C (no table), TFRecord
// parsing that checks both CRCs of every record, and a generic protobuf decoder.
import { readFileSync } from 'node:fs';

/** CRC-32C one bit at a time (the definition; src/ uses a table). */
export function crc32cBitwise(bytes: Uint8Array): number {
  let crc = ~0 >>> 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** TensorFlow's mask: rotate right 15, add 0xa282ead8 (mod 2^32). */
export function maskBitwise(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** Splits a TFRecord stream into its payloads; throws on a bad CRC or a truncated record. */
export function readTfRecords(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    if (pos + 12 > bytes.length) throw new Error(`truncated header at ${pos}`);
    const length = Number(view.getBigUint64(pos, true));
    const lengthCrc = view.getUint32(pos + 8, true);
    if (lengthCrc !== maskBitwise(crc32cBitwise(bytes.subarray(pos, pos + 8)))) throw new Error(`bad length CRC at ${pos}`);
    const start = pos + 12;
    if (start + length + 4 > bytes.length) throw new Error(`truncated record at ${pos}`);
    const data = bytes.subarray(start, start + length);
    if (view.getUint32(start + length, true) !== maskBitwise(crc32cBitwise(data))) throw new Error(`bad data CRC at ${pos}`);
    out.push(data);
    pos = start + length + 4;
  }
  return out;
}

/** One decoded protobuf field: varints as bigint, fixed64/fixed32 as their raw bytes, length-delimited as bytes. */
export interface ProtoField {
  readonly field: number;
  readonly wireType: number;
  readonly varint?: bigint;
  readonly bytes?: Uint8Array;
}

function readVarint(bytes: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= bytes.length) throw new Error('truncated varint');
    const b = bytes[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
    if (shift > 63n) throw new Error('varint too long');
  }
}

/** Decodes the top level of a protobuf message into its fields, in order. */
export function decodeProto(bytes: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const [key, afterKey] = readVarint(bytes, pos);
    const field = Number(key >> 3n);
    const wireType = Number(key & 7n);
    pos = afterKey;
    if (wireType === 0) {
      const [v, next] = readVarint(bytes, pos);
      out.push({ field, wireType, varint: v });
      pos = next;
    } else if (wireType === 1 || wireType === 5) {
      const n = wireType === 1 ? 8 : 4;
      if (pos + n > bytes.length) throw new Error('truncated fixed field');
      out.push({ field, wireType, bytes: bytes.subarray(pos, pos + n) });
      pos += n;
    } else if (wireType === 2) {
      const [len, next] = readVarint(bytes, pos);
      const end = next + Number(len);
      if (end > bytes.length) throw new Error('truncated length-delimited field');
      out.push({ field, wireType, bytes: bytes.subarray(next, end) });
      pos = end;
    } else {
      throw new Error(`unexpected wire type ${wireType}`);
    }
  }
  return out;
}

/** A decoded `tensorflow.Event` (only the fields TensorBoardWriter writes). */
export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  /** `session_log` (6): its status (1 START, 2 STOP, 3 CHECKPOINT) and msg. */
  sessionLog?: { status: number; msg: string };
  values: { tag: string; simpleValue: number }[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asDouble(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
}

function asFloat(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, 4).getFloat32(0, true);
}

/** Decodes an Event: wall_time (1, double), step (2, int64), file_version (3, string), summary (5). */
export function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const event: DecodedEvent = { wallTime: 0, step: 0, values: [] };
  for (const f of decodeProto(bytes)) {
    if (f.field === 1 && f.wireType === 1) event.wallTime = asDouble(f.bytes!);
    else if (f.field === 2 && f.wireType === 0) event.step = Number(BigInt.asIntN(64, f.varint!));
    else if (f.field === 3 && f.wireType === 2) event.fileVersion = utf8.decode(f.bytes);
    else if (f.field === 6 && f.wireType === 2) {
      const log = { status: 0, msg: '' };
      for (const g of decodeProto(f.bytes!)) {
        if (g.field === 1 && g.wireType === 0) log.status = Number(g.varint!);
        else if (g.field === 3 && g.wireType === 2) log.msg = utf8.decode(g.bytes);
        else throw new Error(`unexpected SessionLog field ${g.field}`);
      }
      event.sessionLog = log;
    }
    else if (f.field === 5 && f.wireType === 2) {
      for (const v of decodeProto(f.bytes!)) {
        if (v.field !== 1 || v.wireType !== 2) throw new Error(`unexpected Summary field ${v.field}`);
        let tag: string | undefined;
        let simpleValue: number | undefined;
        for (const g of decodeProto(v.bytes!)) {
          if (g.field === 1 && g.wireType === 2) tag = utf8.decode(g.bytes);
          else if (g.field === 2 && g.wireType === 5) simpleValue = asFloat(g.bytes!);
          else throw new Error(`unexpected Summary.Value field ${g.field}`);
        }
        if (tag === undefined || simpleValue === undefined) throw new Error('Summary.Value without tag or simple_value');
        event.values.push({ tag, simpleValue });
      }
    } else throw new Error(`unexpected Event field ${f.field} (wire type ${f.wireType})`);
  }
  return event;
}

/** Reads a whole event file. */
export function readEventFile(path: string): DecodedEvent[] {
  return readTfRecords(new Uint8Array(readFileSync(path))).map(decodeEvent);
}
