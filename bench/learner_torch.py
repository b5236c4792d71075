#!/usr/bin/env python3
"""PyTorch twin of impala-rl's learner step, for the side-by-side timings of bench/learner.bench.ts.

The network is the one of bench/networks_torch.py (same shallow and deep torsos, LSTM 256 with one fused
kernel for the four gates, linear heads). One learner step does what src/agent/learner.ts does:
  - forward over the T + 1 entries of B trajectories (uint8 frames -> float / 255), from the stored
    initial LSTM states, resetting the state where an entry starts an episode;
  - V-trace from logits (rho_bar = c_bar = pg_rho_bar = 1, lambda 1) with bootstrap = baseline[T],
    on tensors without gradient;
  - loss = -sum(log pi(a) * pg_adv) + baseline_cost * 0.5 * sum((vs - V)^2) - entropy_cost * sum(H(pi)),
    summed over time and batch;
  - backward, global-norm clipping (the norm is always computed, as the learner does), and RMSProp
    with TensorFlow 1's semantics (eps inside the square root, mean squares starting at 1), by hand;
  - the loss terms read back to the host.
Modes (one JSON line per result on stdout):
  learner: the step above;  fwd<B>: one acting step for B frames (bench/networks_torch.py's fwd).
Usage: learner_torch.py --nets shallow,deep --modes learner,fwd1,fwd32 --T 20 --batch shallow=32,deep=16
                        --warmup 1 --reps 5 --fwd-reps 20 --threads 2 [hyperparameters, see --help]
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from networks_torch import Net  # noqa: E402


def parse_batch(spec, nets):
    """'32' -> the same B for every net; 'shallow=32,deep=16' -> per net."""
    if "=" not in spec:
        return {n: int(spec) for n in nets}
    out = dict(pair.split("=") for pair in spec.split(","))
    return {n: int(out[n]) for n in nets}


def synthetic_batch(T, B, a, gen):
    """Random trajectories shaped as the learner receives them (time-major, T + 1 entries)."""
    T1 = T + 1
    return {
        "frames": torch.randint(0, 256, (T1, B, a.channels, a.size, a.size), dtype=torch.uint8, generator=gen).numpy(),
        "last_action": torch.randint(0, a.actions, (T1, B), generator=gen).numpy(),
        "last_reward": torch.randn(T1, B, generator=gen).numpy(),
        "done": (torch.rand(T1, B, generator=gen) < 0.05).numpy(),
        "actions": torch.randint(0, a.actions, (T, B), generator=gen).numpy(),
        "behaviour_logits": torch.randn(T, B, a.actions, generator=gen).numpy(),
        "rewards": torch.randn(T, B, generator=gen).clamp(-1, 1).numpy(),
        "discounts": (a.discount * (torch.rand(T, B, generator=gen) >= 0.05).float()).numpy(),
    }


def vtrace_from_logits(behaviour_logits, target_logits, actions, discounts, rewards, values, bootstrap):
    """V-trace (Espeholt et al. 2018) with all thresholds 1 and lambda 1; returns constants + log pi(a)."""
    target_logp = F.log_softmax(target_logits, -1).gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    with torch.no_grad():
        behaviour_logp = F.log_softmax(behaviour_logits, -1).gather(-1, actions.unsqueeze(-1)).squeeze(-1)
        rhos = torch.exp(target_logp - behaviour_logp)
        clipped = torch.clamp(rhos, max=1.0)
        v = values.detach()
        v_tp1 = torch.cat([v[1:], bootstrap.detach().unsqueeze(0)], 0)
        deltas = clipped * (rewards + discounts * v_tp1 - v)
        acc = torch.zeros_like(bootstrap)
        out = []
        for t in range(deltas.shape[0] - 1, -1, -1):
            acc = deltas[t] + discounts[t] * clipped[t] * acc
            out.append(acc)
        vs = torch.stack(out[::-1]) + v
        vs_tp1 = torch.cat([vs[1:], bootstrap.detach().unsqueeze(0)], 0)
        pg_adv = clipped * (rewards + discounts * vs_tp1 - v)
    return vs, pg_adv, target_logp


class TF1RMSProp:
    """ms <- decay*ms + (1-decay)*g^2; theta <- theta - lr*g/sqrt(ms + eps); ms starts at 1 (TF1)."""

    def __init__(self, params, lr, decay, eps):
        self.params = list(params)
        self.lr, self.decay, self.eps = lr, decay, eps
        self.ms = [torch.ones_like(p) for p in self.params]

    @torch.no_grad()
    def step(self):
        for p, ms in zip(self.params, self.ms):
            g = p.grad
            ms.mul_(self.decay).addcmul_(g, g, value=1 - self.decay)
            p.addcdiv_(g, (ms + self.eps).sqrt_(), value=-self.lr)

    def zero_grad(self):
        for p in self.params:
            p.grad = None


def median_ms(fn, warmup, reps, label):
    for i in range(warmup):
        t0 = time.perf_counter()
        fn()
        print(f"[torch] {label} warm-up {(time.perf_counter() - t0) * 1000:.0f} ms", file=sys.stderr, flush=True)
    times = []
    cpu = []
    for _ in range(reps):
        c0 = time.process_time()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    median_ms.cpu = statistics.median(cpu)  # the process's CPU time (all threads) per call, read by main
    return statistics.median(times), times


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nets", default="shallow,deep")
    p.add_argument("--modes", default="learner,fwd1,fwd32")
    p.add_argument("--T", type=int, default=20)
    p.add_argument("--batch", default="shallow=32,deep=16", help="B for every net, or per net")
    p.add_argument("--size", type=int, default=84)
    p.add_argument("--channels", type=int, default=4)
    p.add_argument("--actions", type=int, default=18)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--fwd-reps", type=int, default=20)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--lr", type=float, default=6e-4)
    p.add_argument("--decay", type=float, default=0.99)
    p.add_argument("--eps", type=float, default=0.01)
    p.add_argument("--discount", type=float, default=0.99)
    p.add_argument("--baseline-cost", type=float, default=0.5)
    p.add_argument("--entropy-cost", type=float, default=0.01)
    p.add_argument("--max-grad-norm", type=float, default=40.0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    try:  # NNPACK fails to initialise on CPUs without AVX-512 and warns on every conv; use the default path
        torch.backends.nnpack.set_flags(False)
    except (AttributeError, RuntimeError):
        pass
    torch.manual_seed(0)
    nets = [n for n in a.nets.split(",") if n]
    batch = parse_batch(a.batch, nets)
    gen = torch.Generator().manual_seed(1)
    for net_name in nets:
        net = Net(net_name, a.channels, a.size, a.actions)
        for mode in [m for m in a.modes.split(",") if m]:
            if mode.startswith("fwd"):
                B = int(mode[3:])
                frames = torch.randint(0, 256, (1, B, a.channels, a.size, a.size), dtype=torch.uint8, generator=gen)
                act = torch.zeros(1, B, dtype=torch.long)
                rew = torch.zeros(1, B)
                done = torch.zeros(1, B, dtype=torch.bool)
                state = (torch.zeros(B, 256), torch.zeros(B, 256))

                def step():
                    with torch.inference_mode():
                        logits, _, _ = net(frames, act, rew, done, state)
                        torch.multinomial(F.softmax(logits[0], -1), 1).numpy()
                        logits.numpy()

                med, times = median_ms(step, max(a.warmup, 3), a.fwd_reps, f"{net_name} {mode}")
                frames_n = B
            elif mode == "learner":
                T, B = a.T, batch[net_name]
                data = synthetic_batch(T, B, a, gen)
                state0 = (torch.zeros(B, 256), torch.zeros(B, 256))
                opt = TF1RMSProp(net.parameters(), a.lr, a.decay, a.eps)

                def learner_step():
                    d = {k: torch.from_numpy(v) for k, v in data.items()}
                    opt.zero_grad()
                    logits, values, _ = net(d["frames"], d["last_action"], d["last_reward"], d["done"], state0)
                    target_logits, v = logits[:T], values[:T]
                    vs, pg_adv, target_logp = vtrace_from_logits(
                        d["behaviour_logits"], target_logits, d["actions"], d["discounts"], d["rewards"], v, values[T])
                    pg = -(target_logp * pg_adv).sum()
                    bl = a.baseline_cost * 0.5 * ((vs - v) ** 2).sum()
                    logp = F.log_softmax(target_logits, -1)
                    entropy = -(logp.exp() * logp).sum()
                    loss = pg + bl - a.entropy_cost * entropy
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(opt.params, a.max_grad_norm).item()
                    opt.step()
                    [x.item() for x in (pg, bl, entropy)]

                med, times = median_ms(learner_step, a.warmup, a.reps, f"{net_name} learner")
                frames_n = T * B
            else:
                raise SystemExit(f"learner_torch.py: unknown mode {mode!r}")
            print(json.dumps({"framework": "torch", "net": net_name, "mode": mode, "median_ms": med, "cpu_median_ms": median_ms.cpu, "frames": frames_n,
                              "params": sum(x.numel() for x in net.parameters()), "times_ms": [round(t, 2) for t in times], "threads": a.threads,
                              "version": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
