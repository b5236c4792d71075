"""Cross-checks event files written by impala-rl's TensorBoardWriter with TensorFlow and TensorBoard themselves.

Reads every events.out.tfevents.* file in LOGDIR three ways and compares each with EXPECTED (a JSON list of
{"step", "wallTime", "values": [[tag, value], ...]} made by bench/tensorboard-crosscheck.ts):
  1. tf.compat.v1.train.summary_iterator (TensorFlow's TFRecord reader: checks both CRCs of every record);
  2. tensorboard's EventAccumulator (the loader behind `tensorboard --logdir`, Python side);
  3. with --serve: a real `tensorboard --logdir` server on 127.0.0.1, asked over HTTP for the scalars it shows.
Exit status 0 when everything matches. Usage:
  bench/.venv/bin/python bench/check_tensorboard.py LOGDIR EXPECTED.json [--serve]
Run through `npm run bench:tensorboard`, which writes LOGDIR and EXPECTED first.
"""
import glob
import json
import math
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request


def f32(x):
    """Rounds to float32, as simple_value stores it."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def load_expected(path):
    with open(path, encoding="utf-8") as f:
        events = json.load(f)
    for e in events:
        e["values"] = [(t, f32(float(v))) for t, v in e["values"]]  # float('NaN'), float('Infinity') parse
    return events


def check_summary_iterator(files, expected):
    import tensorflow as tf

    (path,) = files
    got = []
    first = None
    for event in tf.compat.v1.train.summary_iterator(path):
        if first is None:
            first = event
            continue
        got.append({"step": event.step, "wallTime": event.wall_time,
                    "values": [(v.tag, v.simple_value) for v in event.summary.value]})
    assert first.file_version == "brain.Event:2", first
    assert len(got) == len(expected), f"{len(got)} events, expected {len(expected)}"
    for g, e in zip(got, expected):
        assert g["step"] == e["step"] and g["wallTime"] == e["wallTime"], (g, e)
        assert [t for t, _ in g["values"]] == [t for t, _ in e["values"]], (g, e)
        assert all(same(a, b) for (_, a), (_, b) in zip(g["values"], e["values"])), (g, e)
    return f"summary_iterator: {len(got)} events + file_version match (TensorFlow {tf.__version__})"


def by_tag(expected):
    tags = {}
    for e in expected:
        for t, v in e["values"]:
            tags.setdefault(t, []).append((e["step"], e["wallTime"], v))
    return tags


def check_event_accumulator(logdir, expected):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    import tensorboard

    acc = EventAccumulator(logdir, size_guidance={"scalars": 0})  # 0: keep every point (no reservoir sampling)
    acc.Reload()
    want = by_tag(expected)
    assert sorted(acc.Tags()["scalars"]) == sorted(want), (acc.Tags()["scalars"], sorted(want))
    n = 0
    for tag, points in want.items():
        got = [(s.step, s.wall_time, s.value) for s in acc.Scalars(tag)]
        assert len(got) == len(points), (tag, len(got), len(points))
        for g, e in zip(got, points):
            assert g[0] == e[0] and g[1] == e[1] and same(g[2], e[2]), (tag, g, e)
        n += len(got)
    return f"EventAccumulator: {len(want)} tags, {n} points match (TensorBoard {tensorboard.__version__})"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_server(logdir, expected):
    """Starts `tensorboard --logdir` on 127.0.0.1 and reads the scalars back through its HTTP API."""
    parent, run = os.path.split(os.path.abspath(logdir))
    port = free_port()
    most = max(len(points) for points in by_tag(expected).values())  # serve every point: no downsampling
    exe = os.path.join(os.path.dirname(sys.executable), "tensorboard")
    proc = subprocess.Popen([exe, "--logdir", parent, "--host", "127.0.0.1", "--port", str(port), "--load_fast=false",
                             "--samples_per_plugin", f"scalars={most}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    want = by_tag(expected)
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/data/plugin/scalars/tags", timeout=5) as r:
                    tags = json.load(r)
                if run in tags and len(tags[run]) == len(want):
                    break
            except OSError:
                pass
            if time.time() > deadline or proc.poll() is not None:
                raise AssertionError("tensorboard server did not list the run in time: "
                                     + (proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "timeout"))
            time.sleep(0.5)
        assert sorted(tags[run]) == sorted(want), (sorted(tags[run]), sorted(want))
        n = 0
        for tag, points in want.items():
            q = urllib.parse.urlencode({"run": run, "tag": tag})
            while True:  # the server loads the file incrementally: wait until it has every point
                with urllib.request.urlopen(f"{base}/data/plugin/scalars/scalars?{q}", timeout=10) as r:
                    got = json.load(r)  # [[wall_time, step, value], ...]; NaN/Infinity as JSON extensions
                if len(got) >= len(points) or time.time() > deadline:
                    break
                time.sleep(0.5)
            assert len(got) == len(points), (tag, len(got), len(points))
            for (wall, step, value), (s, w, v) in zip(got, points):
                assert step == s and abs(wall - w) < 1e-6 and same(float(value), v), (tag, (wall, step, value), (s, w, v))
            n += len(got)
        return f"tensorboard server: run '{run}', {len(want)} tags, {n} points served over HTTP match"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    logdir, expected_path = args
    expected = load_expected(expected_path)
    files = sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*")))
    assert len(files) == 1, files
    print(check_summary_iterator(files, expected))
    print(check_event_accumulator(logdir, expected))
    if "--serve" in sys.argv:
        print(check_server(logdir, expected))
    print("check_tensorboard: OK")


if __name__ == "__main__":
    main()
