#!/usr/bin/env python3
"""PyTorch twin of impala-rl's networks, for the speed comparison in bench/networks.bench.ts.

Same architectures as src/networks (NCHW instead of NHWC):
  deep:    uint8 frame / 255 -> 3 sections (16, 32, 32): conv3x3 s1 same -> maxpool 3x3 s2 (pad 1)
           -> 2 residual blocks (relu, conv, relu, conv, add) -> relu -> flatten -> linear 256 -> relu
  shallow: conv 16 8x8 s4 -> relu -> conv 32 4x4 s2 -> relu -> flatten -> linear 256 -> relu
  core:    [features, clip(reward), one-hot(last action)] -> LSTM 256 written by hand as in tfjs:
           one fused kernel for the 4 gates (i, j, f, o; forget bias 1), input projection done once
           for all T*B frames, state multiplied by (1 - done[t]) before each step
  heads:   linear policy logits, linear baseline
Modes (one JSON line per result on stdout):
  fwd<B>: one acting step for B frames (torso + one LSTM step + heads + multinomial sample, read back)
  train:  forward over [T, B] + IMPALA-shaped loss + backward + RMSprop step
Usage: networks_torch.py --nets shallow,deep --modes fwd1,fwd32,train --T 20 --B 32 --size 84
                         --channels 4 --actions 18 --warmup 1 --reps 5 --threads 2
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F


class DeepTorso(nn.Module):
    def __init__(self, in_ch, size):
        super().__init__()
        self.sections = nn.ModuleList()
        for out in (16, 32, 32):
            convs = nn.ModuleList([nn.Conv2d(in_ch, out, 3, padding=1)] + [nn.Conv2d(out, out, 3, padding=1) for _ in range(4)])
            self.sections.append(convs)
            in_ch = out
            size = (size + 1) // 2
        self.linear = nn.Linear(size * size * in_ch, 256)

    def forward(self, x):
        for convs in self.sections:
            x = F.max_pool2d(convs[0](x), 3, 2, padding=1)
            for b in range(2):
                y = convs[2 + 2 * b](F.relu(convs[1 + 2 * b](F.relu(x))))
                x = x + y
        return F.relu(self.linear(torch.flatten(F.relu(x), 1)))


class ShallowTorso(nn.Module):
    def __init__(self, in_ch, size):
        super().__init__()
        self.c0 = nn.Conv2d(in_ch, 16, 8, stride=4)
        self.c1 = nn.Conv2d(16, 32, 4, stride=2)
        s = ((size - 8) // 4 + 1 - 4) // 2 + 1
        self.linear = nn.Linear(s * s * 32, 256)

    def forward(self, x):
        x = F.relu(self.c1(F.relu(self.c0(x))))
        return F.relu(self.linear(torch.flatten(x, 1)))


class Net(nn.Module):
    def __init__(self, torso, in_ch, size, actions, units=256):
        super().__init__()
        self.torso = DeepTorso(in_ch, size) if torso == "deep" else ShallowTorso(in_ch, size)
        self.actions = actions
        self.units = units
        core_in = 256 + 1 + actions
        self.kernel = nn.Parameter(torch.empty(core_in + units, 4 * units))
        nn.init.xavier_uniform_(self.kernel)
        self.bias = nn.Parameter(torch.zeros(4 * units))
        self.core_in = core_in
        self.policy = nn.Linear(units, actions)
        self.baseline = nn.Linear(units, 1)

    def forward(self, frames, last_action, reward, done, state):
        T, B = frames.shape[:2]
        x = frames.reshape(T * B, *frames.shape[2:]).float() / 255.0
        feats = self.torso(x)
        inp = torch.cat([feats, reward.reshape(T * B, 1).clamp(-1, 1), F.one_hot(last_action.reshape(T * B), self.actions).float()], 1)
        wx, wh = self.kernel[: self.core_in], self.kernel[self.core_in :]
        proj = (inp @ wx + self.bias).reshape(T, B, -1)
        c, h = state
        keep = (~done).float().unsqueeze(-1)
        outs = []
        for t in range(T):
            c, h = c * keep[t], h * keep[t]
            i, j, f, o = (proj[t] + h @ wh).chunk(4, 1)
            c = torch.sigmoid(f + 1.0) * c + torch.sigmoid(i) * torch.tanh(j)
            h = torch.sigmoid(o) * torch.tanh(c)
            outs.append(h)
        core = torch.cat(outs, 0)
        return self.policy(core).reshape(T, B, -1), self.baseline(core).reshape(T, B), (c, h)


def median_ms(fn, warmup, reps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), times


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nets", default="shallow,deep")
    p.add_argument("--modes", default="fwd1,fwd32,train")
    p.add_argument("--T", type=int, default=20)
    p.add_argument("--B", type=int, default=32)
    p.add_argument("--size", type=int, default=84)
    p.add_argument("--channels", type=int, default=4)
    p.add_argument("--actions", type=int, default=18)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    try:  # NNPACK fails to initialise on CPUs without AVX-512 and warns on every conv; use the default path
        torch.backends.nnpack.set_flags(False)
    except (AttributeError, RuntimeError):
        pass
    torch.manual_seed(0)
    for net_name in a.nets.split(","):
        net = Net(net_name, a.channels, a.size, a.actions)
        for mode in a.modes.split(","):
            if mode.startswith("fwd"):
                B = int(mode[3:])
                frames = torch.randint(0, 256, (1, B, a.channels, a.size, a.size), dtype=torch.uint8)
                act = torch.zeros(1, B, dtype=torch.long)
                rew = torch.zeros(1, B)
                done = torch.zeros(1, B, dtype=torch.bool)
                state = (torch.zeros(B, 256), torch.zeros(B, 256))

                def step():
                    with torch.inference_mode():
                        logits, value, _ = net(frames, act, rew, done, state)
                        torch.multinomial(F.softmax(logits[0], -1), 1).numpy()

                med, times = median_ms(step, max(a.warmup, 3), max(a.reps, 10))
                frames_n = B
            else:
                T, B = a.T, a.B
                frames = torch.randint(0, 256, (T, B, a.channels, a.size, a.size), dtype=torch.uint8)
                act = torch.randint(0, a.actions, (T, B))
                rew = torch.randn(T, B)
                done = torch.rand(T, B) < 0.05
                adv = torch.randn(T, B)
                vs = torch.randn(T, B)
                opt = torch.optim.RMSprop(net.parameters(), lr=6e-4, alpha=0.99, eps=0.01, momentum=0)
                state = (torch.zeros(B, 256), torch.zeros(B, 256))

                def train():
                    opt.zero_grad()
                    logits, value, _ = net(frames, act, rew, done, state)
                    logp = F.log_softmax(logits, -1)
                    chosen = (F.one_hot(act, a.actions).float() * logp).sum(-1)
                    loss = -(chosen * adv).sum() + 0.25 * ((vs - value) ** 2).sum() + 0.01 * (logp.exp() * logp).sum()
                    loss.backward()
                    opt.step()
                    loss.item()

                med, times = median_ms(train, a.warmup, a.reps)
                frames_n = T * B
            print(json.dumps({"net": net_name, "mode": mode, "median_ms": med, "frames": frames_n,
                              "times_ms": [round(t, 2) for t in times], "threads": a.threads,
                              "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
