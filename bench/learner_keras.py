#!/usr/bin/env python3
"""TensorFlow (Keras) twin of impala-rl's learner step, for the side-by-side timings of bench/learner.bench.ts.

The floor for what libtensorflow can reach on this machine: the same network and loss as
src/agent/learner.ts, written with Keras layers and tf ops and compiled once with tf.function (graph mode,
Grappler; XLA with --xla 1). NHWC, as tfjs.
  deep:    frame / 255 -> 3 sections (16, 32, 32): conv3x3 same -> maxpool 3x3 s2 same -> 2 residual
           blocks (relu, conv, relu, conv, add) -> relu -> flatten -> dense 256 relu
  shallow: conv 16 8x8 s4 relu -> conv 32 4x4 s2 relu (valid) -> flatten -> dense 256 relu
  core:    [features, clip(reward), one-hot(last action)] -> LSTM 256 (one [in + 256, 1024] kernel for the
           four gates i, j, f, o; forget bias 1), state multiplied by (1 - done[t]) before each step
  heads:   dense policy logits, dense baseline
One learner step: forward over T + 1 entries, V-trace from logits (all thresholds 1, lambda 1, bootstrap =
baseline[T]) without gradient, loss = -sum(log pi(a) * pg_adv) + baseline_cost * 0.5 * sum((vs - V)^2)
- entropy_cost * sum(H), backward, tf.clip_by_global_norm, RMSProp with TensorFlow 1's semantics (eps inside
the square root, mean squares starting at 1), loss terms read back to the host.
Prints one JSON line per net on stdout.
Usage: learner_keras.py --nets shallow,deep --T 20 --batch shallow=32,deep=16 --warmup 1 --reps 5 --threads 2
"""
import argparse
import json
import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

UNITS = 256


def build_torso(kind, size, channels):
    inp = keras.Input((size, size, channels))
    x = inp
    if kind == "deep":
        for out in (16, 32, 32):
            x = layers.Conv2D(out, 3, padding="same")(x)
            x = layers.MaxPool2D(3, 2, padding="same")(x)
            for _ in range(2):
                y = layers.Conv2D(out, 3, padding="same", activation="relu")(layers.ReLU()(x))
                x = layers.Add()([x, layers.Conv2D(out, 3, padding="same")(y)])
        x = layers.ReLU()(x)
    else:
        x = layers.Conv2D(16, 8, strides=4, activation="relu")(x)
        x = layers.Conv2D(32, 4, strides=2, activation="relu")(x)
    x = layers.Dense(UNITS, activation="relu")(layers.Flatten()(x))
    return keras.Model(inp, x)


class Agent(tf.Module):
    def __init__(self, kind, size, channels, actions):
        super().__init__()
        self.actions = actions
        self.torso = build_torso(kind, size, channels)
        core_in = UNITS + 1 + actions
        self.kernel = tf.Variable(keras.initializers.GlorotUniform(seed=0)((core_in + UNITS, 4 * UNITS)), name="lstm_kernel")
        self.bias = tf.Variable(tf.zeros([4 * UNITS]), name="lstm_bias")
        self.policy = layers.Dense(actions)
        self.baseline = layers.Dense(1)
        self.policy.build((None, UNITS))
        self.baseline.build((None, UNITS))

    @property
    def weights(self):
        return [*self.torso.trainable_variables, self.kernel, self.bias, *self.policy.trainable_variables, *self.baseline.trainable_variables]

    def unroll(self, frames, last_action, last_reward, done, c, h):
        T1, B = frames.shape[0], frames.shape[1]
        n = T1 * B
        x = tf.cast(tf.reshape(frames, [n, *frames.shape[2:]]), tf.float32) / 255.0
        feats = self.torso(x)
        core_in = tf.concat([feats, tf.reshape(tf.clip_by_value(last_reward, -1.0, 1.0), [n, 1]),
                             tf.one_hot(tf.reshape(last_action, [n]), self.actions)], 1)
        core_in = tf.reshape(core_in, [T1, B, -1])
        keep = tf.expand_dims(1.0 - tf.cast(done, tf.float32), -1)
        outs = []
        for t in range(T1):  # unrolled at trace time, as the T is fixed
            c, h = c * keep[t], h * keep[t]
            gates = tf.matmul(tf.concat([core_in[t], h], 1), self.kernel) + self.bias
            i, j, f, o = tf.split(gates, 4, 1)
            c = tf.sigmoid(f + 1.0) * c + tf.sigmoid(i) * tf.tanh(j)
            h = tf.sigmoid(o) * tf.tanh(c)
            outs.append(h)
        core = tf.concat(outs, 0)
        logits = tf.reshape(self.policy(core), [T1, B, self.actions])
        values = tf.reshape(self.baseline(core), [T1, B])
        return logits, values


def vtrace_from_logits(behaviour_logits, target_logits, actions, discounts, rewards, values, bootstrap):
    one_hot = tf.one_hot(actions, target_logits.shape[-1])
    target_logp = tf.reduce_sum(one_hot * tf.nn.log_softmax(target_logits), -1)
    behaviour_logp = tf.reduce_sum(one_hot * tf.nn.log_softmax(behaviour_logits), -1)
    rhos = tf.exp(tf.stop_gradient(target_logp) - behaviour_logp)
    clipped = tf.minimum(1.0, rhos)
    v = tf.stop_gradient(values)
    boot = tf.stop_gradient(bootstrap)
    v_tp1 = tf.concat([v[1:], boot[None]], 0)
    deltas = clipped * (rewards + discounts * v_tp1 - v)
    acc = tf.zeros_like(boot)
    out = []
    for t in range(deltas.shape[0] - 1, -1, -1):
        acc = deltas[t] + discounts[t] * clipped[t] * acc
        out.append(acc)
    vs = tf.stack(out[::-1]) + v
    vs_tp1 = tf.concat([vs[1:], boot[None]], 0)
    pg_adv = clipped * (rewards + discounts * vs_tp1 - v)
    return tf.stop_gradient(vs), tf.stop_gradient(pg_adv), target_logp


def make_step(agent, a, T):
    weights = agent.weights
    ms = [tf.Variable(tf.ones_like(w)) for w in weights]

    def step(frames, last_action, last_reward, done, actions, behaviour_logits, rewards, discounts, c0, h0):
        with tf.GradientTape() as tape:
            logits, values = agent.unroll(frames, last_action, last_reward, done, c0, h0)
            target_logits, v = logits[:T], values[:T]
            vs, pg_adv, target_logp = vtrace_from_logits(behaviour_logits, target_logits, actions, discounts, rewards, v, values[T])
            pg = -tf.reduce_sum(target_logp * pg_adv)
            bl = a.baseline_cost * 0.5 * tf.reduce_sum(tf.square(vs - v))
            logp = tf.nn.log_softmax(target_logits)
            entropy = -tf.reduce_sum(tf.exp(logp) * logp)
            loss = pg + bl - a.entropy_cost * entropy
        grads = tape.gradient(loss, weights)
        grads, norm = tf.clip_by_global_norm(grads, a.max_grad_norm)
        for w, m, g in zip(weights, ms, grads):
            m.assign(a.decay * m + (1.0 - a.decay) * tf.square(g))
            w.assign_sub(a.lr * g / tf.sqrt(m + a.eps))
        return pg, bl, entropy, norm

    return tf.function(step, jit_compile=bool(a.xla))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nets", default="shallow,deep")
    p.add_argument("--T", type=int, default=20)
    p.add_argument("--batch", default="shallow=32,deep=16", help="B for every net, or per net")
    p.add_argument("--size", type=int, default=84)
    p.add_argument("--channels", type=int, default=4)
    p.add_argument("--actions", type=int, default=18)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--xla", type=int, default=0, help="1: tf.function(jit_compile=True)")
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--decay", type=float, default=0.99)
    p.add_argument("--eps", type=float, default=0.01)
    p.add_argument("--discount", type=float, default=0.99)
    p.add_argument("--baseline-cost", type=float, default=0.5)
    p.add_argument("--entropy-cost", type=float, default=0.01)
    p.add_argument("--max-grad-norm", type=float, default=40.0)
    a = p.parse_args()
    tf.config.threading.set_intra_op_parallelism_threads(a.threads)
    tf.config.threading.set_inter_op_parallelism_threads(a.threads)
    nets = [n for n in a.nets.split(",") if n]
    if "=" in a.batch:
        per_net = {k: int(v) for k, v in (pair.split("=") for pair in a.batch.split(","))}
    else:
        per_net = {n: int(a.batch) for n in nets}
    rng = np.random.default_rng(1)
    for net_name in nets:
        T, B = a.T, per_net[net_name]
        T1 = T + 1
        agent = Agent(net_name, a.size, a.channels, a.actions)
        step = make_step(agent, a, T)
        data = [
            rng.integers(0, 256, (T1, B, a.size, a.size, a.channels), dtype=np.uint8),
            rng.integers(0, a.actions, (T1, B), dtype=np.int32),
            rng.standard_normal((T1, B), dtype=np.float32),
            rng.random((T1, B)) < 0.05,
            rng.integers(0, a.actions, (T, B), dtype=np.int32),
            rng.standard_normal((T, B, a.actions), dtype=np.float32),
            np.clip(rng.standard_normal((T, B), dtype=np.float32), -1, 1),
            (a.discount * (rng.random((T, B)) >= 0.05)).astype(np.float32),
            np.zeros((B, UNITS), np.float32),
            np.zeros((B, UNITS), np.float32),
        ]

        def run():
            # numpy in, as the learner gets host arrays; .numpy() reads the loss terms back
            [x.numpy() for x in step(*data)]

        for i in range(a.warmup + 1):  # +1: the first call traces and compiles the graph
            t0 = time.perf_counter()
            run()
            what = "trace + compile" if i == 0 else "warm-up"
            print(f"[keras] {net_name} learner {what} {(time.perf_counter() - t0) * 1000:.0f} ms", file=sys.stderr, flush=True)
        times = []
        cpu = []  # the process's CPU time (user + system, all threads) per step
        for _ in range(a.reps):
            c0 = time.process_time()
            t0 = time.perf_counter()
            run()
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        print(json.dumps({"framework": "keras", "net": net_name, "mode": "learner", "median_ms": statistics.median(times), "cpu_median_ms": statistics.median(cpu),
                          "frames": T * B, "params": int(sum(np.prod(w.shape) for w in agent.weights)), "times_ms": [round(t, 2) for t in times], "threads": a.threads,
                          "version": f"TensorFlow {tf.__version__}, Keras {keras.__version__}" + (", XLA" if a.xla else "")}),
              flush=True)


if __name__ == "__main__":
    main()
