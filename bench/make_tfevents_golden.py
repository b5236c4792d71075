"""Writes test/fixtures/metrics/tfevents-golden.json: TFRecord framing and Event protobuf bytes made by TensorFlow.

The TypeScript encoder (src/metrics/tf-event.ts) must reproduce these bytes exactly. Each case records its inputs,
the serialized `tensorflow.Event` (protobuf's own SerializeToString) and the whole record as
`tf.io.TFRecordWriter` frames it. CRC vectors come from TensorBoard's pure-Python `crc32c` / `masked_crc32c`.

Usage: bench/.venv/bin/python bench/make_tfevents_golden.py   (needs tensorflow-cpu and tensorboard)
"""
import json
import math
import os
import sys
import tempfile

import tensorflow as tf
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import crc32c, masked_crc32c

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "metrics", "tfevents-golden.json")


def framed(data: bytes) -> bytes:
    """The record exactly as tf.io.TFRecordWriter writes it."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.tfrecord")
        with tf.io.TFRecordWriter(path) as w:
            w.write(data)
        with open(path, "rb") as f:
            return f.read()


def js_number(x: float):
    """JSON has no NaN/Infinity: spell them as strings."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


cases = []
version = tf.compat.v1.Event(wall_time=1700000000.25, file_version="brain.Event:2")
cases.append({"name": "file version", "kind": "fileVersion", "wallTime": 1700000000.25})
scalar_cases = [
    ("one scalar, step 0", [("loss", 0.5)], 0, 1700000001.5),
    ("several values, float32 rounding", [("loss/total", 0.1), ("lr", 6e-4), ("frames/s", 12345.678)], 1000, 1700000002.125),
    ("large step 2^53 - 1", [("episode/return", 475.0)], 2**53 - 1, 1700000003.0),
    ("negative step", [("x", -1.25)], -3, 1700000004.0),
    ("non-finite values", [("nan", float("nan")), ("inf", float("inf")), ("-inf", float("-inf"))], 7, 1700000005.0),
    ("zero values (oneof members are always written)", [("zero", 0.0), ("negzero", -0.0)], 5, 1700000007.0),
    ("unicode tag", [("écart/π ✓", 3.0)], 300000, 1700000006.75),
]
events = [version]
for name, entries, step, wall in scalar_cases:
    summary = tf.compat.v1.Summary(value=[tf.compat.v1.Summary.Value(tag=t, simple_value=v) for t, v in entries])
    events.append(tf.compat.v1.Event(wall_time=wall, step=step, summary=summary))
    cases.append({"name": name, "kind": "scalars", "entries": [[t, js_number(v)] for t, v in entries], "step": step, "wallTime": wall})
for case, event in zip(cases, events):
    data = event.SerializeToString()
    case["eventHex"] = data.hex()
    case["recordHex"] = framed(data).hex()

raw_records = [{"dataHex": d.hex(), "recordHex": framed(d).hex()} for d in [b"", b"123456789", bytes(range(256))]]
crc_vectors = [
    {"dataHex": d.hex(), "crc32c": crc32c(d), "masked": masked_crc32c(d)}
    for d in [b"", b"a", b"123456789", bytes(32), b"\xff" * 32, bytes(range(32)), bytes(range(31, -1, -1))]
]
doc = {
    "generator": "bench/make_tfevents_golden.py",
    "tensorflow": tf.__version__,
    "events": cases,
    "rawRecords": raw_records,
    "crcVectors": crc_vectors,
}
with open(OUT, "w", encoding="utf-8") as f:
    json.dump(doc, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(f"wrote {os.path.relpath(OUT)} ({len(cases)} events, TensorFlow {tf.__version__})", file=sys.stderr)
