#!/usr/bin/env python3
"""Op-by-op profile of impala-rl's compiled learner step (LearnerOptions.compile) next to the TF/Keras
tf.function step of bench/learner_keras.py, in Python TensorFlow (same libtensorflow version as tfjs-node
when the venv has the matching tensorflow-cpu).

How to run (issue #16):
  1. Dump the compiled graph and the inputs of its first run (src/compile/compiled-graph.ts, DUMP_ENV):
       mkdir -p /tmp/dump-shallow
       IMPALA_COMPILE_DUMP_DIR=/tmp/dump-shallow npm run bench:learner -- --nets shallow --modes learner \
         --backends tensorflow --python off --compile graph --reps 1
     (each loaded graph becomes /tmp/dump-shallow/graph-XXXXXX/ with saved_model.pb, inputs/*.npy and
     manifest.json).
  2. Profile it and the Keras step with the same shapes:
       bench/.venv/bin/python bench/profile_compiled_graph.py --graph /tmp/dump-shallow/graph-* --net shallow --B 32
     (--net deep --B 16 for the deep torso; --keras 0 to profile only the graph; --reps N profiled steps;
     several --graph folders, e.g. dumped with IMPALA_COMPILE_REWRITES_OFF=all and without, are compared
     side by side, --label naming them).
Per op type it prints the summed kernel time per step (ms, all threads together: with 2 inter-op threads
the sum can exceed the wall time), the number of kernel launches per step, and the wall time per step
(median of --reps, the steps alternating, measured without tracing, before the traced runs) with the
process's CPU time per step (user + system, all threads: steadier than wall time on a loaded machine). Our graph runs in a tf.compat.v1 Session created as tfjs-node
creates it (default ConfigProto: Grappler on, default threads) unless --threads is given; the op types are
those that ran, i.e. after Grappler's and oneDNN's rewrites (_FusedConv2D, _MklFusedMatMul, ...).
Kernel times come from tf.profiler (the XSpace's `node:OpType` executor events), for both.
"""
import argparse
import collections
import glob
import json
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


SKIP = {"_Retval", "_Arg", "NoOp", "Placeholder", "_Recv", "_Send", "_HostRecv", "_HostSend"}


def traced(run, reps, logdir):
    """Runs `run` reps times under tf.profiler and returns {op type: [ms per step, launches per step]}
    from the kernel events of the XSpace (named `node:OpType` by the executor)."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    tf.profiler.experimental.start(logdir)
    for _ in range(reps):
        run()
    tf.profiler.experimental.stop()
    path = sorted(glob.glob(os.path.join(logdir, "plugins", "profile", "*", "*.xplane.pb")))[-1]
    space = xplane_pb2.XSpace()
    with open(path, "rb") as f:
        space.ParseFromString(f.read())
    table = collections.defaultdict(lambda: [0.0, 0])
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        for line in plane.lines:
            for e in line.events:
                name = plane.event_metadata[e.metadata_id].name
                if "::" in name or name.count(":") != 1:
                    continue
                t = name.split(":")[1]
                if t in SKIP or t.endswith("PartitionedCall") or not t[:1].isalpha() and not t.startswith("_"):
                    continue
                table[t][0] += e.duration_ps / 1e9 / reps
                table[t][1] += 1 / reps
    return table


def load_graph(folder, threads):
    manifest = json.load(open(os.path.join(folder, "manifest.json")))
    feeds_np = [np.load(os.path.join(folder, i["file"])) for i in manifest["inputs"]]
    config = tf.compat.v1.ConfigProto()
    if threads:
        config.intra_op_parallelism_threads = threads
        config.inter_op_parallelism_threads = threads
    graph = tf.Graph()
    sess = tf.compat.v1.Session(graph=graph, config=config)
    with graph.as_default():
        tf.compat.v1.saved_model.loader.load(sess, ["serve"], folder)
    feed = {graph.get_tensor_by_name(i["name"]): x for i, x in zip(manifest["inputs"], feeds_np)}
    fetches = [graph.get_tensor_by_name(o if ":" in o else o + ":0") for o in manifest["outputs"]]
    def run():
        sess.run(fetches, feed)

    for _ in range(2):
        run()
    return run, manifest["nodes"]


def load_keras(net, B, T, threads):
    import learner_keras as lk

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    a = argparse.Namespace(lr=6e-4, decay=0.99, eps=0.01, discount=0.99, baseline_cost=0.5, entropy_cost=0.01, max_grad_norm=40.0, xla=0)
    size, channels, actions = 84, 4, 18
    T1 = T + 1
    rng = np.random.default_rng(1)
    agent = lk.Agent(net, size, channels, actions)
    step = lk.make_step(agent, a, T)
    data = [
        rng.integers(0, 256, (T1, B, size, size, channels), dtype=np.uint8),
        rng.integers(0, actions, (T1, B), dtype=np.int32),
        rng.standard_normal((T1, B), dtype=np.float32),
        rng.random((T1, B)) < 0.05,
        rng.integers(0, actions, (T, B), dtype=np.int32),
        rng.standard_normal((T, B, actions), dtype=np.float32),
        np.clip(rng.standard_normal((T, B), dtype=np.float32), -1, 1),
        (a.discount * (rng.random((T, B)) >= 0.05)).astype(np.float32),
        np.zeros((B, lk.UNITS), np.float32),
        np.zeros((B, lk.UNITS), np.float32),
    ]

    def run():
        [x.numpy() for x in step(*data)]

    for _ in range(3):
        run()
    return run


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--graph", required=True, nargs="+", help="dump folders (graph-XXXXXX with manifest.json); several: compared side by side")
    p.add_argument("--label", nargs="*", default=[], help="a column name per --graph (default: graph, graph2, ...)")
    p.add_argument("--net", default="shallow")
    p.add_argument("--B", type=int, default=32)
    p.add_argument("--T", type=int, default=20)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=0, help="0: the Session's defaults (as tfjs-node)")
    p.add_argument("--keras", type=int, default=1)
    p.add_argument("--min-ms", type=float, default=0.05, help="rows below this in every column are left out (still in the total)")
    p.add_argument("--json", default="", help="also write the tables here")
    a = p.parse_args()
    labels = [a.label[i] if i < len(a.label) else ("graph" if i == 0 else f"graph{i + 1}") for i in range(len(a.graph))]
    runs = {}
    nodes = {}
    for label, folder in zip(labels, a.graph):
        runs[label], nodes[label] = load_graph(folder, a.threads)
    if a.keras:
        runs["Keras"] = load_keras(a.net, a.B, a.T, a.threads or os.cpu_count())
    times = {k: [] for k in runs}
    cpu = {k: [] for k in runs}
    for _ in range(a.reps):  # alternating, so that load changes hit all alike
        for k, run in runs.items():
            c0 = time.process_time()
            t0 = time.perf_counter()
            run()
            times[k].append((time.perf_counter() - t0) * 1000)
            cpu[k].append((time.process_time() - c0) * 1000)
    tables = {k: traced(run, a.reps, tempfile.mkdtemp(prefix=f"profile-{k}-")) for k, run in runs.items()}
    cols = list(runs)
    walls = ", ".join(f"{k} {statistics.median(times[k]):.0f} ms wall / {statistics.median(cpu[k]):.0f} ms CPU {[round(x) for x in times[k]]}" + (f" ({nodes[k]} nodes)" if k in nodes else "") for k in cols)
    print(f"{a.net} T={a.T} B={a.B}, per step (median of {a.reps}, alternating, untraced; CPU: the process's user + system time, all threads): {walls}; load {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("kernel ms per step summed over threads / kernel launches per step:")
    print("| op type | " + " | ".join(f"{k} ms | {k} n" for k in cols) + " |")
    print("| --- | " + " | ".join("---: | ---:" for _ in cols) + " |")
    keys = sorted(set().union(*tables.values()), key=lambda t: -max(tables[k].get(t, [0])[0] for k in cols))
    for t in keys:
        vals = [tables[k].get(t, [0.0, 0]) for k in cols]
        if max(v[0] for v in vals) < a.min_ms:
            continue
        print(f"| {t} | " + " | ".join(f"{v[0]:.2f} | {v[1]:.0f}" for v in vals) + " |")
    print("| total | " + " | ".join(f"{sum(v[0] for v in tables[k].values()):.1f} | {sum(v[1] for v in tables[k].values()):.0f}" for k in cols) + " |")
    if a.json:
        json.dump({"tables": tables, "times_ms": times, "cpu_ms": cpu, "nodes": nodes, "load": os.getloadavg()}, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    main()
