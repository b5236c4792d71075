"""JAX V-trace compiled with jax.jit (lax.scan backwards over T, vectorised over B, float32, CPU), timed on
inputs written by bench/vtrace.bench.ts. The anchor for the WebAssembly kernel: what a compiler makes of the
same recursion.

Usage: python vtrace_jax.py INPUT_DIR  (reads case_<i>.bin + cases.json, prints one JSON line per case,
writes jax_vs_<i>.bin for the cross-check)
"""
import json
import os
import sys
import time

import numpy as np
import jax
import jax.numpy as jnp
from jax import lax

jax.config.update('jax_platforms', 'cpu')


@jax.jit
def vtrace_from_importance_weights(log_rhos, discounts, rewards, values, bootstrap_value):
    # Thresholds 1 (clip_rho, clip_c and clip_pg_rho), λ = 1, as in the bench's other rows.
    rhos = jnp.exp(log_rhos)
    clipped_rhos = jnp.minimum(1.0, rhos)
    cs = jnp.minimum(1.0, rhos)
    next_values = jnp.concatenate([values[1:], bootstrap_value[None]], axis=0)
    deltas = clipped_rhos * (rewards + discounts * next_values - values)

    def step(acc, x):
        delta, discount, c = x
        acc = delta + discount * c * acc
        return acc, acc

    _, vs_minus_v = lax.scan(step, jnp.zeros_like(bootstrap_value), (deltas, discounts, cs), reverse=True)
    vs = vs_minus_v + values
    next_vs = jnp.concatenate([vs[1:], bootstrap_value[None]], axis=0)
    pg_advantages = jnp.minimum(1.0, rhos) * (rewards + discounts * next_vs - values)
    return vs, pg_advantages


def time_it(fn, warmup, min_reps, min_time_s, max_reps, warmup_s=0.0):
    # At least `warmup` calls and `warmup_s` seconds of them, as the JavaScript rows get.
    warmup_start = time.perf_counter()
    i = 0
    while i < warmup or time.perf_counter() - warmup_start < warmup_s:
        fn()
        i += 1
    samples = []
    start = time.perf_counter()
    while len(samples) < min_reps or (time.perf_counter() - start < min_time_s and len(samples) < max_reps):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def main():
    folder = sys.argv[1]
    with open(os.path.join(folder, 'cases.json')) as f:
        spec = json.load(f)
    for i, case in enumerate(spec['cases']):
        T, B = case['T'], case['B']
        raw = np.fromfile(os.path.join(folder, f'case_{i}.bin'), dtype=np.float32)
        n = T * B
        # Inputs already on the device (host memory on CPU): the timing covers the call and its outputs.
        args = [jax.device_put(raw[k * n:(k + 1) * n].reshape(T, B)) for k in range(4)]
        args.append(jax.device_put(raw[4 * n:4 * n + B]))
        vs, _ = vtrace_from_importance_weights(*args)
        np.asarray(vs, dtype=np.float32).tofile(os.path.join(folder, f'jax_vs_{i}.bin'))

        def call():
            out = vtrace_from_importance_weights(*args)
            jax.block_until_ready(out)

        samples = time_it(call, spec['warmup'], spec['minReps'], spec['minTimeMs'] / 1000, spec['maxReps'],
                          spec.get('warmupMs', 0) / 1000)
        print(json.dumps({'case': i, 'samples': samples, 'jax': jax.__version__}), flush=True)


if __name__ == '__main__':
    main()
