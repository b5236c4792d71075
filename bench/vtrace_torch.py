"""PyTorch V-trace written the way PyTorch IMPALA implementations usually are (a Python loop over T
for the backward recursion, vectorised over B), timed on inputs written by bench/vtrace.bench.ts.

Usage: python vtrace_torch.py INPUT_DIR  (reads case_<i>.bin + cases.json, prints one JSON line per case)
"""
import json
import os
import sys
import time

import numpy as np
import torch


@torch.no_grad()
def vtrace_from_importance_weights(log_rhos, discounts, rewards, values, bootstrap_value,
                                   clip_rho_threshold=1.0, clip_pg_rho_threshold=1.0):
    rhos = torch.exp(log_rhos)
    clipped_rhos = torch.clamp(rhos, max=clip_rho_threshold)
    cs = torch.clamp(rhos, max=1.0)
    next_values = torch.cat([values[1:], bootstrap_value.unsqueeze(0)], dim=0)
    deltas = clipped_rhos * (rewards + discounts * next_values - values)
    acc = torch.zeros_like(bootstrap_value)
    backwards = []
    for t in reversed(range(discounts.shape[0])):
        acc = deltas[t] + discounts[t] * cs[t] * acc
        backwards.append(acc)
    vs_minus_v = torch.stack(backwards[::-1])
    vs = vs_minus_v + values
    next_vs = torch.cat([vs[1:], bootstrap_value.unsqueeze(0)], dim=0)
    pg_advantages = torch.clamp(rhos, max=clip_pg_rho_threshold) * (rewards + discounts * next_vs - values)
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
    if len(sys.argv) > 2:
        torch.set_num_threads(int(sys.argv[2]))
    with open(os.path.join(folder, 'cases.json')) as f:
        spec = json.load(f)
    for i, case in enumerate(spec['cases']):
        T, B = case['T'], case['B']
        raw = np.fromfile(os.path.join(folder, f'case_{i}.bin'), dtype=np.float32)
        n = T * B
        parts = [raw[k * n:(k + 1) * n].reshape(T, B) for k in range(4)]
        bootstrap = raw[4 * n:4 * n + B]
        args = [torch.from_numpy(p.copy()) for p in parts] + [torch.from_numpy(bootstrap.copy())]
        vs, _ = vtrace_from_importance_weights(*args)
        vs.numpy().astype(np.float32).tofile(os.path.join(folder, f'torch_vs_{i}.bin'))
        samples = time_it(lambda: vtrace_from_importance_weights(*args), spec['warmup'], spec['minReps'],
                          spec['minTimeMs'] / 1000, spec['maxReps'],
                          spec.get('warmupMs', 0) / 1000)
        print(json.dumps({'case': i, 'samples': samples, 'torch': torch.__version__,
                          'threads': torch.get_num_threads()}), flush=True)


if __name__ == '__main__':
    main()
