// CRC-32C and the bytes of TensorBoard event records.
// Expected values: crc32c('123456789') = 0xE3069283 is the CRC-32C check value (Castagnoli); the 32-byte vectors are
// RFC 3720 (iSCSI) appendix B.4. Everything in tfevents-golden.json was produced by TensorFlow 2.21 itself
// (protobuf SerializeToString, tf.io.TFRecordWriter) and TensorBoard's pure-Python crc32c: see
// bench/make_tfevents_golden.py.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { crc32c, maskedCrc32c } from '../../src/metrics/crc32c.js';
import { ProtobufWriter } from '../../src/metrics/protobuf-writer.js';
import { encodeFileVersionEvent, encodeScalarEvent, frameRecord } from '../../src/metrics/tf-event.js';
import { crc32cBitwise, decodeEvent, decodeProto, maskBitwise, readTfRecords } from '../helpers/tfevents-reader.js';

interface GoldenEvent {
  name: string;
  kind: 'fileVersion' | 'scalars';
  entries?: [string, number | string][];
  step?: number;
  wallTime: number;
  eventHex: string;
  recordHex: string;
}
interface Golden {
  events: GoldenEvent[];
  rawRecords: { dataHex: string; recordHex: string }[];
  crcVectors: { dataHex: string; crc32c: number; masked: number }[];
}
const golden = JSON.parse(
  readFileSync(new URL('../fixtures/metrics/tfevents-golden.json', import.meta.url), 'utf8'),
) as Golden;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v)); // 'NaN', 'Infinity', '-Infinity'

describe('crc32c', () => {
  test('check value and RFC 3720 vectors', () => {
    assert.equal(crc32c(ascii('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(0)), 0);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
    assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c);
  });

  test('crc and masked crc equal TensorBoard’s Python implementation', () => {
    assert.ok(golden.crcVectors.length >= 5);
    for (const v of golden.crcVectors) {
      assert.equal(crc32c(fromHex(v.dataHex)), v.crc32c, v.dataHex);
      assert.equal(maskedCrc32c(fromHex(v.dataHex)), v.masked, v.dataHex);
    }
  });

  test('table-driven crc equals the bit-by-bit definition on random data', () => {
    let s = 12345;
    for (let len = 0; len < 300; len += 7) {
      const data = Uint8Array.from({ length: len }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
      assert.equal(crc32c(data), crc32cBitwise(data));
      assert.equal(maskedCrc32c(data), maskBitwise(crc32cBitwise(data)));
    }
  });
});

describe('ProtobufWriter', () => {
  test('varints: 1 → 08 01, 150 → 08 96 01 (protobuf encoding guide), 2^53-1, -1 → ten bytes', () => {
    assert.equal(hex(new ProtobufWriter().int64(1, 1).finish()), '0801');
    assert.equal(hex(new ProtobufWriter().int64(1, 150).finish()), '089601');
    assert.equal(hex(new ProtobufWriter().int64(2, 2 ** 53 - 1).finish()), '10ffffffffffffff0f');
    assert.equal(hex(new ProtobufWriter().int64(2, -1).finish()), '10ffffffffffffffffff01');
    const [f] = decodeProto(new ProtobufWriter().int64(2, -3).finish());
    assert.equal(BigInt.asIntN(64, f!.varint!), -3n);
  });

  test('string "testing" in field 2 → 12 07 74 65 73 74 69 6e 67 (protobuf encoding guide)', () => {
    assert.equal(hex(new ProtobufWriter().string(2, 'testing').finish()), '120774657374696e67');
  });

  test('rejects non-integer varints and bad field numbers', () => {
    assert.throws(() => new ProtobufWriter().int64(1, 1.5), /ProtobufWriter.int64: field 1 value 1.5 is not a safe integer/);
    assert.throws(() => new ProtobufWriter().int64(1, 2 ** 53), /not a safe integer/);
    assert.throws(() => new ProtobufWriter().double(0, 1), /field number 0/);
  });
});

describe('event records', () => {
  test('every golden event is reproduced byte for byte, protobuf and framing', () => {
    assert.equal(golden.events.length, 8);
    for (const g of golden.events) {
      const event =
        g.kind === 'fileVersion'
          ? encodeFileVersionEvent(g.wallTime)
          : encodeScalarEvent(g.entries!.map(([t, v]) => [t, num(v)] as const), g.step!, g.wallTime);
      assert.equal(hex(event), g.eventHex, `${g.name}: event`);
      assert.equal(hex(frameRecord(event)), g.recordHex, `${g.name}: record`);
    }
  });

  test('framing of raw payloads equals tf.io.TFRecordWriter', () => {
    for (const r of golden.rawRecords) assert.equal(hex(frameRecord(fromHex(r.dataHex))), r.recordHex);
  });

  test('the test reader decodes the golden records (and so can check the writer)', () => {
    const stream = fromHex(golden.events.map((g) => g.recordHex).join(''));
    const events = readTfRecords(stream).map(decodeEvent);
    assert.equal(events[0]!.fileVersion, 'brain.Event:2');
    assert.equal(events[0]!.wallTime, 1700000000.25);
    const several = events[2]!;
    assert.equal(several.step, 1000);
    assert.deepEqual(
      several.values.map((v) => v.tag),
      ['loss/total', 'lr', 'frames/s'],
    );
    assert.equal(several.values[0]!.simpleValue, Math.fround(0.1));
    assert.equal(events[4]!.step, -3);
    assert.ok(Number.isNaN(events[5]!.values[0]!.simpleValue));
  });

  test('the test reader rejects a flipped bit in the data or the length', () => {
    const record = frameRecord(encodeScalarEvent([['loss', 1]], 3, 1700000000));
    const badData = record.slice();
    badData[20]! ^= 1;
    assert.throws(() => readTfRecords(badData), /bad data CRC/);
    const badLength = record.slice();
    badLength[0]! ^= 1;
    assert.throws(() => readTfRecords(badLength), /bad length CRC/);
    assert.throws(() => readTfRecords(record.subarray(0, record.length - 1)), /truncated/);
  });
});
