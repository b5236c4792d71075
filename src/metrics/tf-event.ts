/**
 * Encoding of TensorBoard event records: `tensorflow.Event` protobufs (the few fields scalar summaries need) framed
 * as TFRecords.
 *
 * Messages (from `tensorflow/core/util/event.proto` and `tensorflow/core/framework/summary.proto`):
 * - `Event { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3; Summary summary = 5; … } }`
 * - `SessionLog { enum SessionStatus { STATUS_UNSPECIFIED = 0; START = 1; STOP = 2; CHECKPOINT = 3; } status = 1; string checkpoint_path = 2; string msg = 3; }` (`Event.session_log = 6`)
 * - `Summary { repeated Value value = 1; }`, `Summary.Value { string tag = 1; oneof value { float simple_value = 2; … } }`
 *
 * Fields are written in field-number order and, as proto3 does, `wall_time` and `step` are left out when they are
 * zero (their default), so the bytes equal those of TensorFlow's own `SerializeToString` (checked against
 * Python-made golden records in the tests). `simple_value` is a `oneof` member and is always written.
 */
import { maskedCrc32c } from './crc32c.js';
import { ProtobufWriter } from './protobuf-writer.js';

/**
 * The `file_version` of the first event of every file TensorBoard reads.
 * @category Metrics
 */
export const EVENT_FILE_VERSION = 'brain.Event:2';

/**
 * The `Event { wall_time, file_version }` that opens an event file.
 * @category Metrics
 */
export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return eventHeader(wallTime, 0).string(3, EVENT_FILE_VERSION).finish();
}

/**
 * An `Event { wall_time, step, summary { value: [{ tag, simple_value }, …] } }`; values are rounded to float32.
 * @category Metrics
 */
export function encodeScalarEvent(
  entries: readonly (readonly [string, number])[],
  step: number,
  wallTime: number,
): Uint8Array {
  const summary = new ProtobufWriter();
  for (const [tag, value] of entries) summary.bytesField(1, new ProtobufWriter().string(1, tag).float(2, value).finish());
  return eventHeader(wallTime, step).bytesField(5, summary.finish()).finish();
}

/**
 * An `Event { wall_time, step, session_log { status: START, msg } }`: the marker of a restarted run. TensorBoard
 * discards the events of steps at or after `step` that were read before it (the orphans of a crashed session).
 * @category Metrics
 */
export function encodeSessionStartEvent(step: number, wallTime: number, message: string): Uint8Array {
  const log = new ProtobufWriter().int64(1, 1);
  if (message !== '') log.string(3, message);
  return eventHeader(wallTime, step).bytesField(6, log.finish()).finish();
}

/** `wall_time` and `step`, each left out when it has its proto3 default (+0; -0 is written, as protobuf does). */
function eventHeader(wallTime: number, step: number): ProtobufWriter {
  const event = new ProtobufWriter();
  if (!Object.is(wallTime, 0)) event.double(1, wallTime);
  if (step !== 0) event.int64(2, step);
  return event;
}

/**
 * Frames `data` as one TFRecord: `uint64 length`, `uint32 maskedCrc32c(length bytes)`, `data`,
 * `uint32 maskedCrc32c(data)`, all little-endian.
 * @category Metrics
 */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}
