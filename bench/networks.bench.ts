// Speed of the IMPALA networks on every installed tfjs backend, and of the same architecture in PyTorch.
//
//   npm run bench:networks                                  # full run (slow on this 2-core machine)
//   npm run bench:networks -- --reps 3 --nets shallow       # flags ...
//   BENCH_REPS=3 BENCH_NETS=shallow npm run bench:networks  # ... or the same as env vars
//
// Flags (env var in brackets, default after '='):
//   --nets shallow,deep [BENCH_NETS]       --modes fwd1,fwd32,train [BENCH_MODES]
//   --backends cpu,wasm,tensorflow [BENCH_BACKENDS] (missing ones are reported, not fatal)
//   --T 20 [BENCH_T]  --B 32 [BENCH_B]  --size 84 [BENCH_SIZE]  --channels 4 [BENCH_CHANNELS]  --actions 18 [BENCH_ACTIONS]
//   --reps 5 [BENCH_REPS]  --warmup 1 [BENCH_WARMUP]  --cpu-reps 2 [BENCH_CPU_REPS] (the cpu backend is very slow)
//   --cpu-train 0 [BENCH_CPU_TRAIN]: 1 runs ONE learner step on cpu at T=2, B=2 instead of skipping it
//   --torch auto [BENCH_TORCH]: auto | off; python from bench/.venv (python3 -m venv bench/.venv &&
//     bench/.venv/bin/pip install torch numpy) or python3, if `import torch` works  --threads 2 [BENCH_THREADS]
//
// fwd<B>: one acting step (torso + one LSTM step + heads) for B frames, plus sampling the actions on the host.
// train: one learner step: unroll over [T, B] + IMPALA-shaped loss + backward + RMSProp update.
// Each figure is the median of the repeats after the warm-up runs. Every backend runs in its own process.
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib/timing.js';

interface Config {
  nets: string[];
  modes: string[];
  backends: string[];
  T: number;
  B: number;
  size: number;
  channels: number;
  actions: number;
  reps: number;
  warmup: number;
  cpuReps: number;
  cpuTrain: boolean;
  torch: string;
  threads: number;
}

interface Result {
  backend: string;
  net: string;
  mode: string;
  medianMs?: number;
  frames?: number;
  timesMs?: number[];
  note?: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');

function readConfig(argv: string[]): { config: Config; worker: string | undefined } {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    flags.set(key, inline ?? argv[++i] ?? '');
  }
  const get = (flag: string, env: string, fallback: string): string => flags.get(flag) ?? process.env[env] ?? fallback;
  const num = (flag: string, env: string, fallback: number): number => {
    const v = Number(get(flag, env, String(fallback)));
    if (!Number.isFinite(v) || v < 0) throw new Error(`networks.bench: --${flag} must be a number >= 0`);
    return v;
  };
  const list = (flag: string, env: string, fallback: string): string[] => get(flag, env, fallback).split(',').filter(Boolean);
  return {
    worker: flags.get('worker'),
    config: {
      nets: list('nets', 'BENCH_NETS', 'shallow,deep'),
      modes: list('modes', 'BENCH_MODES', 'fwd1,fwd32,train'),
      backends: list('backends', 'BENCH_BACKENDS', 'cpu,wasm,tensorflow'),
      T: num('T', 'BENCH_T', 20),
      B: num('B', 'BENCH_B', 32),
      size: num('size', 'BENCH_SIZE', 84),
      channels: num('channels', 'BENCH_CHANNELS', 4),
      actions: num('actions', 'BENCH_ACTIONS', 18),
      reps: Math.max(1, num('reps', 'BENCH_REPS', 5)),
      warmup: num('warmup', 'BENCH_WARMUP', 1),
      cpuReps: Math.max(1, num('cpu-reps', 'BENCH_CPU_REPS', 2)),
      cpuTrain: get('cpu-train', 'BENCH_CPU_TRAIN', '0') === '1',
      torch: get('torch', 'BENCH_TORCH', 'auto'),
      threads: num('threads', 'BENCH_THREADS', 2),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Worker: one backend, in its own process.

async function runWorker(backend: string, cfg: Config): Promise<void> {
  const emit = (r: Result): void => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  };
  const log = (msg: string): void => {
    process.stderr.write(`[${backend}] ${msg}\n`);
  };
  await import('@tensorflow/tfjs-layers'); // registers the gradients (tfjs-core alone registers none)
  // useBackend loads the package and, for wasm, registers the training kernels it lacks
  // (Conv2DBackpropFilter and faster gradients). IS_TEST is left off: it turns on tfjs's per-kernel leak
  // checks, which libtensorflow's fused kernels trip.
  const { useBackend } = await import('../src/backends/index.js');
  await useBackend(backend as 'cpu' | 'wasm' | 'tensorflow');
  const { ImpalaNetwork, createActionRng } = await import('../src/index.js');

  for (const netName of cfg.nets) {
    const net = new ImpalaNetwork({ torso: netName as 'deep' | 'shallow', observationShape: [cfg.size, cfg.size, cfg.channels], numActions: cfg.actions });
    const frameSize = cfg.size * cfg.size * cfg.channels;
    const frames = (n: number, seed: number): Int32Array => {
      const out = new Int32Array(n * frameSize);
      let s = seed;
      for (let i = 0; i < out.length; i++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        out[i] = s >>> 24;
      }
      return out;
    };
    for (const mode of cfg.modes) {
      const reps = backend === 'cpu' ? Math.min(cfg.reps, cfg.cpuReps) : cfg.reps;
      const warmup = backend === 'cpu' ? Math.min(cfg.warmup, 1) : cfg.warmup;
      const times: number[] = [];
      const base: Result = { backend, net: netName, mode };
      try {
        if (mode.startsWith('fwd')) {
          const B = Number(mode.slice(3));
          const observation = tf.tensor(frames(B, 7), [B, cfg.size, cfg.size, cfg.channels], 'int32');
          const lastAction = tf.zeros([B], 'int32');
          const lastReward = tf.zeros([B]);
          const state = net.initialState(B);
          const rng = createActionRng(1);
          // Forward-only reps are cheap except on cpu: take more of them for a stable median.
          const fwdReps = backend === 'cpu' ? reps : Math.max(reps, 10);
          for (let i = 0; i < warmup + fwdReps; i++) {
            const t0 = performance.now();
            const out = net.step({ observation, lastAction, lastReward }, state);
            net.sample(out.policyLogits, rng);
            const dt = performance.now() - t0;
            tf.dispose([out.policyLogits, out.baseline, ...(out.state === null ? [] : [out.state.c, out.state.h])]);
            if (i >= warmup) times.push(dt);
          }
          tf.dispose([observation, lastAction, lastReward, ...(state === null ? [] : [state.c, state.h])]);
          emit({ ...base, medianMs: median(times), frames: B, timesMs: times });
        } else if (mode === 'train') {
          let [T, B, r, w] = [cfg.T, cfg.B, reps, warmup];
          let note: string | undefined;
          if (backend === 'cpu') {
            if (!cfg.cpuTrain) {
              emit({ ...base, note: 'skipped: the pure-JS cpu backend needs minutes per learner step (set --cpu-train 1 for one step at T=2, B=2)' });
              continue;
            }
            [T, B, r, w] = [2, 2, 1, 0];
            note = `one step at T=${T}, B=${B} (not ${cfg.T}×${cfg.B})`;
          }
          const hasFilterGrad = (tf.getKernel('Conv2DBackpropFilter', 'wasm') as tf.KernelConfig | undefined) !== undefined;
          if (backend === 'wasm' && !hasFilterGrad) {
            emit({ ...base, note: 'not supported: the wasm backend has no Conv2DBackpropFilter kernel (stock tfjs-backend-wasm)' });
            continue;
          }
          const observation = tf.tensor(frames(T * B, 11), [T, B, cfg.size, cfg.size, cfg.channels], 'int32');
          const lastAction = tf.tensor(Int32Array.from({ length: T * B }, (_, i) => (i * 7) % cfg.actions), [T, B], 'int32');
          const lastReward = tf.randomNormal([T, B], 0, 1, 'float32', 2);
          const dones = tf.less(tf.randomUniform([T, B], 0, 1, 'float32', 3), 0.05);
          const actions = tf.tensor(Int32Array.from({ length: T * B }, (_, i) => (i * 5) % cfg.actions), [T, B], 'int32');
          const advantages = tf.randomNormal([T, B], 0, 1, 'float32', 4);
          const vs = tf.randomNormal([T, B], 0, 1, 'float32', 5);
          const optimizer = tf.train.rmsprop(6e-4, 0.99, 0, 0.01);
          const loss = (): tf.Scalar => {
            const out = net.unroll({ observation, lastAction, lastReward }, dones, net.initialState(B));
            const logProbs = tf.logSoftmax(out.policyLogits);
            const chosen = tf.sum(tf.mul(tf.oneHot(actions, cfg.actions), logProbs), -1);
            const pg = tf.neg(tf.sum(tf.mul(chosen, advantages)));
            const baseline = tf.mul(0.25, tf.sum(tf.square(tf.sub(vs, out.baseline))));
            const negEntropy = tf.mul(0.01, tf.sum(tf.mul(tf.exp(logProbs), logProbs)));
            return tf.add<tf.Scalar>(tf.add(pg, baseline), negEntropy);
          };
          for (let i = 0; i < w + r; i++) {
            const t0 = performance.now();
            const cost = optimizer.minimize(loss, true, net.trainableVariables);
            cost?.dataSync();
            const dt = performance.now() - t0;
            cost?.dispose();
            if (i >= w) times.push(dt);
            log(`${netName} train ${i < w ? 'warm-up' : 'rep'} ${dt.toFixed(0)} ms`);
          }
          optimizer.dispose();
          tf.dispose([observation, lastAction, lastReward, dones, actions, advantages, vs]);
          emit({ ...base, medianMs: median(times), frames: T * B, timesMs: times, ...(note === undefined ? {} : { note }) });
        }
      } catch (error) {
        emit({ ...base, note: `not supported: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}` });
      }
      log(`${netName} ${mode} done`);
    }
    net.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Driver: one worker per backend, then PyTorch, then the table.

function backendInstalled(backend: string): boolean {
  const pkg = { cpu: '@tensorflow/tfjs-backend-cpu', wasm: '@tensorflow/tfjs-backend-wasm', tensorflow: '@tensorflow/tfjs-node' }[backend];
  return pkg !== undefined && existsSync(join(root, 'node_modules', pkg, 'package.json'));
}

function parseLines(stdout: string): Result[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Result);
}

function runTorch(cfg: Config): { results: Result[]; note: string } {
  if (cfg.torch === 'off') return { results: [], note: 'PyTorch comparison turned off (--torch off)' };
  const venv = join(here, '.venv', 'bin', 'python');
  const python = existsSync(venv) ? venv : 'python3';
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.status !== 0) return { results: [], note: `PyTorch not importable with ${python}; comparison skipped` };
  const args = [
    join(here, 'networks_torch.py'),
    ...['--nets', cfg.nets.join(','), '--modes', cfg.modes.join(','), '--T', cfg.T, '--B', cfg.B, '--size', cfg.size],
    ...['--channels', cfg.channels, '--actions', cfg.actions, '--warmup', cfg.warmup, '--reps', cfg.reps, '--threads', cfg.threads],
  ].map(String);
  process.stderr.write(`[torch] ${python} ${args.join(' ')}\n`);
  const run = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  if (run.status !== 0) return { results: [], note: `PyTorch run failed: ${run.stderr.split('\n').slice(-3).join(' ')}` };
  const results = parseLines(run.stdout).map((r) => {
    const raw = r as unknown as { net: string; mode: string; median_ms: number; frames: number; times_ms: number[] };
    return { backend: 'torch', net: raw.net, mode: raw.mode, medianMs: raw.median_ms, frames: raw.frames, timesMs: raw.times_ms };
  });
  return { results, note: `PyTorch ${probe.stdout.trim()} (${cfg.threads} threads)` };
}

const perSecond = (x: number): string => x.toFixed(x < 10 ? 2 : 0);

function driver(cfg: Config): void {
  const results: Result[] = [];
  const notes: string[] = [];
  for (const backend of cfg.backends) {
    if (!backendInstalled(backend)) {
      notes.push(`${backend}: not installed`);
      continue;
    }
    process.stderr.write(`[${backend}] starting\n`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--worker', backend, ...process.argv.slice(2)], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' },
    });
    results.push(...parseLines(run.stdout));
    if (run.status !== 0) notes.push(`${backend}: worker exited with status ${run.status ?? run.signal ?? 'unknown'}`);
  }
  const torch = runTorch(cfg);
  results.push(...torch.results);
  notes.push(torch.note);

  const torchMs = new Map(torch.results.map((r) => [`${r.net}/${r.mode}`, r.medianMs]));
  const header = ['net', 'mode', 'backend', 'median ms', 'frames/s', 'x torch', 'repeats (ms) / note'];
  const rows = results.map((r) => {
    const ref = torchMs.get(`${r.net}/${r.mode}`);
    const sameSize = r.note?.startsWith('one step at') !== true;
    return [
      r.net,
      r.mode === 'train' ? `train ${r.frames ?? cfg.T * cfg.B}` : r.mode,
      r.backend,
      r.medianMs === undefined ? '-' : r.medianMs.toFixed(r.medianMs < 10 ? 2 : 0),
      r.medianMs === undefined || r.frames === undefined ? '-' : perSecond((1000 * r.frames) / r.medianMs),
      r.medianMs === undefined || ref === undefined || r.backend === 'torch' || !sameSize ? '-' : (r.medianMs / ref).toFixed(2),
      r.note ?? (r.timesMs ?? []).map((t) => t.toFixed(t < 10 ? 1 : 0)).join(', '),
    ];
  });
  rows.sort((a, b) => (a[0]! + a[1]!).localeCompare(b[0]! + b[1]!));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\nIMPALA networks: ${cfg.size}×${cfg.size}×${cfg.channels} frames, ${cfg.actions} actions, LSTM 256; train = T ${cfg.T} × B ${cfg.B}`);
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
  console.log(`\nNotes:\n${notes.map((n) => `- ${n}`).join('\n')}`);
  console.log('- "x torch" = tfjs median / PyTorch median for the same net and mode (higher is slower).');
}

const { config, worker } = readConfig(process.argv.slice(2));
if (worker !== undefined) await runWorker(worker, config);
else driver(config);
