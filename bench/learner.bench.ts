// Speed of ONE LEARNER STEP of impala-rl's `Learner` (src/agent/learner.ts, as the training loop runs it:
// stacking B trajectories, forward unroll over T + 1 entries, V-trace, IMPALA loss, backward, global-norm
// clipping, RMSProp) with the shallow and the deep `ImpalaNetwork`, on each installed tfjs backend, side by
// side with the same architecture and loss in PyTorch and in TensorFlow 2 Python (Keras, tf.function), plus
// the actors' forward pass (batch 1 and 32) on the `auto` backend against PyTorch. Prints the ratios to
// PyTorch next to the targets of issue #6.
//
//   npm run bench:learner                                       # everything (a few minutes on 2 cores)
//   npm run bench:learner -- --nets shallow --reps 3            # flags ...
//   BENCH_NETS=shallow BENCH_REPS=3 npm run bench:learner       # ... or env vars
//   npm run bench:learner -- --profile --python off --reps 1    # + op-by-op profile of one learner step
//
// Flags (env var in brackets, default after '='):
//   --nets shallow,deep [BENCH_NETS]        --modes learner,fwd1,fwd32 [BENCH_MODES]
//   --backends wasm,tensorflow [BENCH_BACKENDS]  learner backends; add cpu to time the pure-JS backend (one
//                                           step, no warm-up; its stock Conv2DBackpropFilter makes a full-size
//                                           shallow step take minutes: try --nets shallow --T 2 --B 2)
//   --fwd-backends auto,wasm [BENCH_FWD_BACKENDS]  backends timed for the fwd modes (auto = what useBackend('auto')
//                                picks; the target applies to auto)
//   --T 20 [BENCH_T]   --B shallow=32,deep=16 [BENCH_B]  (one number: the same B for every net)
//   --size 84 [BENCH_SIZE]  --channels 4 [BENCH_CHANNELS]  --actions 18 [BENCH_ACTIONS]
//   --reps 5 [BENCH_REPS]  --warmup 1 [BENCH_WARMUP]  learner steps; median of reps after the warm-up
//   --fwd-reps 100 [BENCH_FWD_REPS]  --fwd-warmup 5 [BENCH_FWD_WARMUP]
//   --threads N [BENCH_THREADS]  PyTorch and TensorFlow-Python threads; default = the thread count of the
//                                tensorflow backend (libtensorflow's default: os.availableParallelism())
//   --python auto [BENCH_PYTHON]  auto | off: the PyTorch (bench/learner_torch.py) and Keras
//                                (bench/learner_keras.py) comparisons; each is skipped with a message when its
//                                module does not import. --torch / --keras auto|off choose one of them.
//   --xla 0 [BENCH_XLA]          1: compile the Keras step with XLA (jit_compile) as well as plain tf.function
//   --profile [BENCH_PROFILE=1]  after the timed steps, run one more learner step under tf.profile and print
//                                the kernel launches per step and the top kernels by time (self and inclusive)
//   --top 15 [BENCH_TOP]         rows of the profile table
//   --out FILE [BENCH_OUT]       also write every result as JSON (e.g. bench/results/learner.json)
//   --compile eager,graph [BENCH_COMPILE]  learner steps on tensorflow/cuda: eager (op by op) and/or graph
//                                (LearnerOptions.compile: one libtensorflow session run); both are timed in one
//                                process, alternating step by step, so that load changes hit both alike
//   --rounds 1 [BENCH_ROUNDS]   run every process (tfjs, PyTorch, Keras) this many times, in reverse order on
//                                odd rounds: medians pool the steps of all rounds, and the ratios of each round are
//                                listed with their median (this machine's speed drifts between processes minutes
//                                apart; a ratio from one round can be off by a third)
//   --malloc-reuse 1 [BENCH_MALLOC_REUSE]  run every child (tfjs and Python) with GLIBC_TUNABLES that keep
//                                freed memory for reuse (see MALLOC_REUSE below); 0: the system's defaults
// Python: the first of $IMPALA_BENCH_PYTHON, bench/.venv/bin/python, python3 that imports the modules (torch,
// resp. tensorflow + keras; e.g. bench/.venv/bin/pip install torch tensorflow-cpu==2.21.0). Every tfjs backend runs in its own process.
// Learner settings: the maze preset's (RMSProp lr 6e-4, decay 0.99, ε 0.01 inside the root, TF1 style;
// entropy 0.01, baseline cost 0.5, γ 0.99, global-norm clip 40); inputs are random uint8 frames, ~5%
// episode starts, random behaviour logits, rewards and actions.
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython } from './lib/python.js';
import { formatMs, median, printTable } from './lib/timing.js';

/** Blocks of consecutive actor steps per execution in the fwd modes (see runWorker). */
const FWD_ROUNDS = 5;

interface Config {
  nets: string[];
  modes: string[];
  backends: string[];
  fwdBackends: string[];
  T: number;
  B: Record<string, number>;
  size: number;
  channels: number;
  actions: number;
  reps: number;
  warmup: number;
  fwdReps: number;
  fwdWarmup: number;
  threads: number;
  torch: boolean;
  keras: boolean;
  xla: boolean;
  profile: boolean;
  top: number;
  mallocReuse: boolean;
  out: string | undefined;
  compile: string[];
  rounds: number;
}

/** Learner hyperparameters (the maze preset's); the Python twins get the same ones on the command line. */
const HYPER = { learningRate: 6e-4, decay: 0.99, epsilon: 0.01, discount: 0.99, baselineCost: 0.5, entropyCost: 0.01, maxGradNorm: 40 };

/** Issue #6's targets: tfjs time / PyTorch time. */
const TARGETS: Record<string, number> = { tensorflow: 1.2, cuda: 1.2, wasm: 2.5 };
const FWD_TARGET = 1.5;
/** Issue #16's target for compiled (graph) learner steps: at most the TF/Keras tf.function step's time. */
const GRAPH_TARGET = 1;
/** Issue #16's target for the compiled actor step: at most PyTorch's time. */
const FWD_GRAPH_TARGET = 1;

interface KernelStat {
  name: string;
  calls: number;
  selfMs: number;
  inclusiveMs: number;
}

interface Profile {
  /**
   * Every kernel launch of the step, nested ones included (impala-rl's wasm kernels and some tfjs-node
   * kernels run others inside). Not counted: tfjs's customGrad scopes (`fusedMatMul__op`, ...), which
   * tf.profile lists too but which only wrap the kernels they run.
   */
  kernels: number;
  /** Launches not made from inside another kernel or scope (what tfjs ops issue directly). */
  topLevelKernels: number;
  /** Wall time of the profiled step (per-kernel timing adds overhead). */
  stepMs: number;
  /** Sum of the top-level kernels' times; the rest of stepMs is host work (JS, V-trace, copies). */
  kernelMs: number;
  byKernel: KernelStat[];
  /** The slowest single launches (self time), with their input shapes. */
  slowest: { name: string; selfMs: number; inputShapes: string }[];
}

interface Result {
  framework: string; // tfjs | torch | keras
  backend: string; // tfjs backend, or the framework name for Python
  net: string;
  mode: string;
  frames?: number;
  medianMs?: number;
  timesMs?: number[];
  /** Median CPU time per step of the whole process (user + system, all threads): steadier than wall time on a loaded machine. */
  cpuMedianMs?: number;
  threads?: number;
  version?: string;
  params?: number;
  resolved?: string; // for --fwd-backends auto: the backend useBackend picked
  execution?: 'eager' | 'graph'; // tfjs learner steps: op by op, or one compiled libtensorflow graph (issue #16)
  kernels?: string; // what one step launches
  profile?: Profile;
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
    if (key === 'profile') flags.set(key, inline ?? '1');
    else flags.set(key, inline ?? argv[++i] ?? '');
  }
  const get = (flag: string, env: string, fallback: string): string => flags.get(flag) ?? process.env[env] ?? fallback;
  const num = (flag: string, env: string, fallback: number): number => {
    const v = Number(get(flag, env, String(fallback)));
    if (!Number.isFinite(v) || v < 0) throw new Error(`learner.bench: --${flag} must be a number >= 0, got '${get(flag, env, '')}'`);
    return v;
  };
  const list = (flag: string, env: string, fallback: string): string[] => get(flag, env, fallback).split(',').filter(Boolean);
  const nets = list('nets', 'BENCH_NETS', 'shallow,deep');
  const bSpec = get('B', 'BENCH_B', 'shallow=32,deep=16');
  const perNet = new Map<string, number>(
    bSpec.includes('=') ? bSpec.split(',').map((p) => p.split('=') as [string, string]).map(([k, v]) => [k, Number(v)]) : nets.map((n) => [n, Number(bSpec)]),
  );
  const B: Record<string, number> = {};
  for (const n of nets) {
    const b = perNet.get(n);
    if (b === undefined || !Number.isInteger(b) || b < 1) throw new Error(`learner.bench: --B '${bSpec}' gives no batch size >= 1 for net '${n}'`);
    B[n] = b;
  }
  const python = get('python', 'BENCH_PYTHON', 'auto') !== 'off';
  const out = get('out', 'BENCH_OUT', '');
  return {
    worker: flags.get('worker'),
    config: {
      nets,
      modes: list('modes', 'BENCH_MODES', 'learner,fwd1,fwd32'),
      backends: list('backends', 'BENCH_BACKENDS', 'wasm,tensorflow'),
      fwdBackends: list('fwd-backends', 'BENCH_FWD_BACKENDS', 'auto,wasm'),
      T: Math.max(1, num('T', 'BENCH_T', 20)),
      B,
      size: num('size', 'BENCH_SIZE', 84),
      channels: num('channels', 'BENCH_CHANNELS', 4),
      actions: num('actions', 'BENCH_ACTIONS', 18),
      reps: Math.max(1, num('reps', 'BENCH_REPS', 5)),
      warmup: num('warmup', 'BENCH_WARMUP', 1),
      fwdReps: Math.max(1, num('fwd-reps', 'BENCH_FWD_REPS', 100)),
      fwdWarmup: num('fwd-warmup', 'BENCH_FWD_WARMUP', 5),
      threads: Math.max(1, num('threads', 'BENCH_THREADS', availableParallelism())),
      torch: python && get('torch', 'BENCH_TORCH', 'auto') !== 'off',
      keras: python && get('keras', 'BENCH_KERAS', 'auto') !== 'off',
      xla: get('xla', 'BENCH_XLA', '0') === '1',
      profile: get('profile', 'BENCH_PROFILE', '0') === '1',
      top: num('top', 'BENCH_TOP', 15),
      mallocReuse: get('malloc-reuse', 'BENCH_MALLOC_REUSE', '1') !== '0',
      out: out === '' ? undefined : out,
      compile: list('compile', 'BENCH_COMPILE', 'eager,graph'),
      rounds: Math.max(1, Math.floor(num('rounds', 'BENCH_ROUNDS', 1))),
    },
  };
}

/** Deterministic pseudo-random numbers in [0, 1) (an LCG; the values only need to look like data). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

// ---------------------------------------------------------------------------------------------------------
// Worker: one backend, in its own process.

async function runWorker(spec: string, cfg: Config): Promise<void> {
  const [kind, backend] = spec.split(':') as ['learner' | 'fwd', string];
  const emit = (r: Result): void => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  };
  const log = (msg: string): void => {
    process.stderr.write(`[${backend}] ${msg}\n`);
  };
  await import('@tensorflow/tfjs-layers'); // registers the gradients (tfjs-core alone registers none)
  // IS_TEST is left off: it turns on tfjs's per-kernel leak checks, which libtensorflow's fused kernels trip.
  const { useBackend, describeBackend } = await import('../src/backends/index.js');
  const info = await useBackend(backend as 'auto' | 'cpu' | 'wasm' | 'tensorflow' | 'cuda');
  log(`using ${info.name}: ${describeBackend(info)}`);
  const { ImpalaNetwork, Learner, createActionRng } = await import('../src/index.js');
  const base = { framework: 'tfjs', backend: kind === 'fwd' ? backend : info.name, threads: info.threads, version: describeBackend(info) };

  for (const netName of cfg.nets) {
    const net = new ImpalaNetwork({
      torso: netName as 'deep' | 'shallow',
      observationShape: [cfg.size, cfg.size, cfg.channels],
      numActions: cfg.actions,
      seed: 1,
      checkInputValues: false,
    });
    const obsSize = cfg.size * cfg.size * cfg.channels;
    if (kind === 'fwd') {
      const libtensorflow = info.name === 'tensorflow' || info.name === 'cuda';
      const executions = (libtensorflow ? cfg.compile : ['eager']).filter((e): e is 'eager' | 'graph' => e === 'eager' || e === 'graph');
      const nets = executions.map((execution) => ({
        execution,
        net: new ImpalaNetwork({ torso: netName as 'deep' | 'shallow', observationShape: [cfg.size, cfg.size, cfg.channels], numActions: cfg.actions, seed: 1, checkInputValues: false, compile: execution === 'graph' }),
      }));
      for (const mode of cfg.modes.filter((m) => m.startsWith('fwd'))) {
        const B = Number(mode.slice(3));
        const rand = lcg(7);
        // pixel values as float32, as Actor#inputs passes them (the env's uint8 frames converted on the host)
        const obs = Float32Array.from({ length: B * obsSize }, () => Math.floor(rand() * 256));
        const runs = nets.map((n) => ({ ...n, rng: createActionRng(1), state: n.net.initialState(B), times: [] as number[] }));
        // What Actor#act does per step: tensors from host arrays, one network step, sampling, logits read back.
        // Each execution runs its steps back to back, as an actor does and as the PyTorch loop is timed, in
        // blocks that alternate between eager and graph (FWD_ROUNDS rounds, so that both see the same load
        // drift); the first graph step records and loads the graph (a warm-up). Alternating single steps
        // would time every graph step right after an eager one, with caches and thread pool state left by
        // ~100 eager ops, which no actor sees.
        const block = Math.ceil(cfg.fwdReps / FWD_ROUNDS);
        for (let round = 0; round < FWD_ROUNDS; round++) {
          for (const r of runs) {
            const warm = round === 0 ? cfg.fwdWarmup : 0;
            for (let i = 0; i < warm + block && r.times.length < cfg.fwdReps; i++) {
              const t0 = performance.now();
              const inputs = {
                observation: tf.tensor(obs, [B, cfg.size, cfg.size, cfg.channels], 'float32'),
                lastAction: tf.tensor1d(new Int32Array(B), 'int32'),
                lastReward: tf.tensor1d(new Float32Array(B)),
                done: tf.tensor1d(new Uint8Array(B), 'bool'),
              };
              const out = r.net.step(inputs, r.state);
              r.net.sample(out.policyLogits, r.rng);
              out.policyLogits.dataSync();
              tf.dispose([...Object.values(inputs), out.policyLogits, out.baseline]);
              if (r.state) tf.dispose([r.state.c, r.state.h]);
              r.state = out.state;
              const dt = performance.now() - t0;
              if (i >= warm) r.times.push(dt);
            }
          }
        }
        for (const r of runs) {
          if (r.state) tf.dispose([r.state.c, r.state.h]);
          emit({ ...base, resolved: info.name, net: netName, mode, frames: B, medianMs: median(r.times), timesMs: r.times, params: net.numParameters, ...(libtensorflow ? { execution: r.execution } : {}) });
          log(`${netName} ${mode} ${r.execution}: ${formatMs(median(r.times))}`);
        }
      }
      for (const n of nets) n.net.dispose();
      net.dispose();
      continue;
    }

    const T = cfg.T;
    const B = cfg.B[netName]!;
    const libtensorflow = info.name === 'tensorflow' || info.name === 'cuda';
    const executions = (libtensorflow ? cfg.compile : ['eager']).filter((e): e is 'eager' | 'graph' => e === 'eager' || e === 'graph');
    const resultOf = (execution: 'eager' | 'graph'): Result => ({ ...base, net: netName, mode: 'learner', frames: T * B, params: net.numParameters, ...(libtensorflow ? { execution } : {}) });
    const runs = executions.map((execution) => ({
      execution,
      net: execution === 'eager' ? net : new ImpalaNetwork({ torso: netName as 'deep' | 'shallow', observationShape: [cfg.size, cfg.size, cfg.channels], numActions: cfg.actions, seed: 1, checkInputValues: false }),
      res: resultOf(execution),
      learner: undefined as InstanceType<typeof Learner> | undefined,
      times: [] as number[],
      cpu: [] as number[],
      failed: false,
    }));
    const batch = syntheticTrajectories(T, B, cfg, net.lstmSize);
    const isCpu = info.name === 'cpu';
    const warmup = isCpu ? 0 : cfg.warmup;
    const reps = isCpu ? 1 : cfg.reps;
    for (const r of runs) {
      r.learner = new Learner({
        model: r.net,
        discount: HYPER.discount,
        baselineCost: HYPER.baselineCost,
        entropyCost: HYPER.entropyCost,
        learningRate: HYPER.learningRate,
        maxGradNorm: HYPER.maxGradNorm,
        rmsprop: { epsilon: HYPER.epsilon, decay: HYPER.decay },
        compile: r.execution === 'graph',
      });
    }
    // Alternating step by step: the machine's load changes hit both executions alike.
    let tensorsAfterFirst = 0; // the first step also creates the optimizer's slots
    for (let i = 0; i < warmup + reps; i++) {
      if (i === 1) tensorsAfterFirst = tf.memory().numTensors;
      for (const r of runs) {
        if (r.failed) continue;
        try {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          r.learner!.step(batch);
          const dt = performance.now() - t0;
          const c = process.cpuUsage(c0);
          if (i >= warmup) {
            r.times.push(dt);
            r.cpu.push((c.user + c.system) / 1000);
          }
          log(`${netName} learner ${r.execution} ${i < warmup ? 'warm-up' : 'rep'} ${dt.toFixed(0)} ms`);
        } catch (error) {
          r.failed = true;
          r.res.note = `failed: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`;
          log(r.res.note);
        }
      }
    }
    const leaked = tf.memory().numTensors - tensorsAfterFirst;
    const graphRun = runs.find((r) => r.execution === 'graph');
    const eagerOps = graphRun?.learner?.compileStats.eagerOps ?? null;
    for (const r of runs) {
      const res = r.res;
      if (!r.failed) {
        if (leaked !== 0 && warmup + reps > 1) res.note = `${leaked} tensors leaked over ${warmup + reps - 1} rounds`;
        if (isCpu) res.note = 'cpu: one step, no warm-up';
        res.medianMs = median(r.times);
        res.timesMs = r.times;
        res.cpuMedianMs = median(r.cpu);
        const stats = r.learner!.compileStats;
        if (r.execution === 'graph') {
          res.kernels = stats.compiled ? `1 session run (graph of ${stats.graphNodes} nodes)` : `not compiled: ${stats.reason}`;
          if (warmup === 0) res.note = 'no warm-up: the first step also records and loads the graph';
        } else if (eagerOps !== null) res.kernels = `${eagerOps} TF ops`;
      }
      if (cfg.profile && r.execution === 'eager' && !r.failed) {
        res.profile = await profileStep(() => r.learner!.step(batch));
        log(`${netName} profile: ${res.profile.kernels} kernel launches (${res.profile.topLevelKernels} top-level)`);
      }
      emit(res);
    }
    for (const r of runs) {
      r.learner?.dispose();
      if (r.net !== net) r.net.dispose();
    }
    net.dispose();
  }
}

/** B trajectories of T + 1 entries, shaped as the actors send them (uint8 frames, ~5% episode starts). */
function syntheticTrajectories(T: number, B: number, cfg: Config, lstmSize: number) {
  const rand = lcg(11);
  const T1 = T + 1;
  const A = cfg.actions;
  const obsSize = cfg.size * cfg.size * cfg.channels;
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Array.from({ length: B }, (_, b) => {
    const dones = Uint8Array.from({ length: T1 }, () => (rand() < 0.05 ? 1 : 0));
    return {
      unrollLength: T,
      observationShape: [cfg.size, cfg.size, cfg.channels],
      observations: Uint8Array.from({ length: T1 * obsSize }, () => Math.floor(rand() * 256)),
      rewards: Float32Array.from({ length: T1 }, normal),
      dones,
      terminated: dones.slice(),
      truncated: new Uint8Array(T1),
      truncationValues: new Float32Array(T1),
      lastActions: Int32Array.from({ length: T1 }, () => Math.floor(rand() * A)),
      actions: Int32Array.from({ length: T1 }, () => Math.floor(rand() * A)),
      behaviourLogits: Float32Array.from({ length: T1 * A }, normal),
      initialState: lstmSize > 0 ? { c: new Float32Array(lstmSize), h: new Float32Array(lstmSize) } : null,
      policyVersion: 0,
      episodes: [],
      actorId: b,
    };
  });
}

/**
 * One call of `fn` under `tf.profile`, with every kernel launch's nesting depth recorded (the engine's
 * profiler is wrapped: kernels are logged in completion order, so a kernel's children are the deeper
 * entries logged just before it). Self time = inclusive time minus the direct children's.
 */
async function profileStep(fn: () => unknown): Promise<Profile> {
  const engine = tf.engine() as unknown as { profiler: { profileKernel: (name: string, inputs: unknown, f: () => unknown) => unknown } };
  const profiler = engine.profiler;
  const original = profiler.profileKernel.bind(profiler);
  const depths: number[] = [];
  let depth = 0;
  profiler.profileKernel = (name, inputs, f) => {
    depth++;
    try {
      return original(name, inputs, f);
    } finally {
      depth--;
      depths.push(depth);
    }
  };
  let stepMs = 0;
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(() => {
      const t0 = performance.now();
      fn();
      stepMs = performance.now() - t0;
    });
  } finally {
    profiler.profileKernel = original;
  }
  if (depths.length !== info.kernels.length) throw new Error(`learner.bench: profiler saw ${depths.length} kernels, tf.profile ${info.kernels.length}`);
  const backendName = tf.getBackend();
  const isKernel = (name: string): boolean => (tf.getKernel(name, backendName) as tf.KernelConfig | undefined) !== undefined;
  const stats = new Map<string, KernelStat>();
  const childMs: number[] = [];
  const launches: Profile['slowest'] = [];
  let kernelMs = 0;
  info.kernels.forEach((k, i) => {
    const d = depths[i]!;
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const self = ms - (childMs[d + 1] ?? 0);
    childMs[d + 1] = 0;
    childMs[d] = (childMs[d] ?? 0) + ms;
    if (d === 0) kernelMs += ms;
    launches.push({ name: k.name, selfMs: self, inputShapes: k.inputShapes.map((sh) => `[${String(sh)}]`).join(' ') });
    const s = stats.get(k.name) ?? { name: k.name, calls: 0, selfMs: 0, inclusiveMs: 0 };
    s.calls++;
    s.selfMs += self;
    s.inclusiveMs += ms;
    stats.set(k.name, s);
  });
  return {
    kernels: info.kernels.filter((k) => isKernel(k.name)).length,
    topLevelKernels: info.kernels.filter((k, i) => depths[i] === 0 && isKernel(k.name)).length,
    stepMs,
    kernelMs,
    byKernel: [...stats.values()].sort((a, b) => b.selfMs - a.selfMs),
    slowest: launches.sort((a, b) => b.selfMs - a.selfMs).slice(0, 10),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Driver: one worker per backend, then PyTorch and Keras, then the tables.

function backendInstalled(backend: string): boolean {
  const pkg = { cpu: '@tensorflow/tfjs-backend-cpu', wasm: '@tensorflow/tfjs-backend-wasm', tensorflow: '@tensorflow/tfjs-node', cuda: '@tensorflow/tfjs-node-gpu' }[backend];
  return backend === 'auto' || (pkg !== undefined && existsSync(join(root, 'node_modules', pkg, 'package.json')));
}

function parseLines(stdout: string): Result[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Result);
}

/**
 * glibc settings that keep freed memory for reuse instead of returning it to the kernel: without them
 * every large tensor (over 32 MB) is a fresh mmap whose pages fault in one by one, which costs ~30 µs
 * per 4 KiB page on some virtual machines (~0.5 s per 76 MB here) against well under 1 µs on bare
 * metal, and hits PyTorch (no caching CPU allocator) hardest.
 */
const MALLOC_REUSE = 'glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=4294967295';

function childEnv(cfg: Config): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TF_CPP_MIN_LOG_LEVEL: process.env.TF_CPP_MIN_LOG_LEVEL ?? '2' };
  if (cfg.mallocReuse) env.GLIBC_TUNABLES = [process.env.GLIBC_TUNABLES, MALLOC_REUSE].filter(Boolean).join(':');
  return env;
}

function runWorkerProcess(spec: string, cfg: Config, notes: string[]): Result[] {
  process.stderr.write(`[${spec}] starting\n`);
  const run = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2), '--worker', spec], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: childEnv(cfg),
  });
  if (run.status !== 0) notes.push(`${spec}: worker exited with status ${run.status ?? run.signal ?? 'unknown'}${run.error ? ` (${run.error.message})` : ''}`);
  return parseLines(run.stdout);
}

function pythonArgs(cfg: Config): string[] {
  const batch = cfg.nets.map((n) => `${n}=${cfg.B[n]}`).join(',');
  return [
    ...['--nets', cfg.nets.join(','), '--T', cfg.T, '--batch', batch, '--size', cfg.size, '--channels', cfg.channels, '--actions', cfg.actions],
    ...['--warmup', cfg.warmup, '--reps', cfg.reps, '--threads', cfg.threads, '--lr', HYPER.learningRate, '--decay', HYPER.decay, '--eps', HYPER.epsilon],
    ...['--discount', HYPER.discount, '--baseline-cost', HYPER.baselineCost, '--entropy-cost', HYPER.entropyCost, '--max-grad-norm', HYPER.maxGradNorm],
  ].map(String);
}

function runPython(label: string, modules: string[], script: string, extra: string[], cfg: Config, notes: string[]): Result[] {
  const found = findPython(modules, here);
  if (found.python === null) {
    notes.push(`${label}: skipped, no Python imports ${modules.join(' + ')} (${found.reason}); set IMPALA_BENCH_PYTHON`);
    return [];
  }
  const args = [join(here, script), ...extra];
  process.stderr.write(`[${label}] ${found.python} ${args.join(' ')}\n`);
  const run = spawnSync(found.python, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: childEnv(cfg),
  });
  for (const line of run.stderr.split('\n')) if (line.startsWith(`[${label}]`)) process.stderr.write(`${line}\n`);
  if (run.status !== 0) {
    notes.push(`${label}: run failed (status ${run.status ?? run.signal}): ${run.stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  return parseLines(run.stdout).map((r) => {
    const raw = r as unknown as { framework: string; net: string; mode: string; median_ms: number; cpu_median_ms?: number; frames: number; times_ms: number[]; threads: number; version: string; params: number };
    return {
      framework: raw.framework,
      backend: raw.framework,
      net: raw.net,
      mode: raw.mode,
      frames: raw.frames,
      medianMs: raw.median_ms,
      timesMs: raw.times_ms,
      ...(raw.cpu_median_ms === undefined ? {} : { cpuMedianMs: raw.cpu_median_ms }),
      threads: raw.threads,
      version: raw.version,
      params: raw.params,
    };
  });
}

const fmt = (ms: number | undefined): string => (ms === undefined ? '-' : formatMs(ms));
const reps = (r: Result): string => r.note ?? (r.timesMs ?? []).map((t) => t.toFixed(t < 10 ? 1 : 0)).join(', ');

function loadLine(when: string): string {
  const [a, b, c] = loadavg().map((x) => x.toFixed(2));
  return `load average ${when}: ${a}, ${b}, ${c} (1, 5, 15 min) on ${availableParallelism()} cores`;
}

const resultKey = (r: Result): string => `${r.framework}|${r.backend}|${r.net}|${r.mode}|${r.execution ?? ''}`;

/**
 * One result per process kind over several rounds: the steps of every round pooled (median of all of them),
 * the CPU time per step as the median of the rounds' medians; the rest from the first round.
 */
function poolRounds(rounds: readonly Result[][]): Result[] {
  const groups = new Map<string, Result[]>();
  for (const round of rounds) for (const r of round) groups.set(resultKey(r), [...(groups.get(resultKey(r)) ?? []), r]);
  return [...groups.values()].map((rs) => {
    const times = rs.flatMap((r) => r.timesMs ?? []);
    const cpu = rs.map((r) => r.cpuMedianMs).filter((x): x is number => x !== undefined);
    return {
      ...rs[0]!,
      ...(times.length > 0 ? { timesMs: times, medianMs: median(times) } : {}),
      ...(cpu.length > 0 ? { cpuMedianMs: median(cpu) } : {}),
    };
  });
}

/** Per round, `a`'s median over `b`'s (same round), for the ratio lines of --rounds. */
function roundRatios(rounds: readonly Result[][], a: (r: Result) => boolean, b: (r: Result) => boolean): number[] {
  return rounds.flatMap((round) => {
    const x = round.find(a)?.medianMs;
    const y = round.find(b)?.medianMs;
    return x !== undefined && y !== undefined ? [x / y] : [];
  });
}

function driver(cfg: Config): void {
  const started = new Date();
  const loads = [loadLine('at start')];
  const notes: string[] = [];
  const wantLearner = cfg.modes.includes('learner');
  const fwdModes = cfg.modes.filter((m) => /^fwd\d+$/.test(m));
  // Each framework's processes, as one job each, run in this order on even rounds and in reverse on odd ones.
  const jobs: ((out: Result[], notes: string[]) => void)[] = [];
  if (wantLearner) {
    for (const backend of cfg.backends) {
      if (!backendInstalled(backend)) {
        notes.push(`${backend}: not installed (${backend === 'cpu' ? '@tensorflow/tfjs-backend-cpu' : 'see docs/backends.md'})`);
        continue;
      }
      jobs.push((out, n) => out.push(...runWorkerProcess(`learner:${backend}`, cfg, n)));
    }
  }
  if (fwdModes.length > 0) for (const backend of cfg.fwdBackends) jobs.push((out, n) => out.push(...runWorkerProcess(`fwd:${backend}`, cfg, n)));
  if (cfg.torch) {
    const modes = [...(wantLearner ? ['learner'] : []), ...fwdModes];
    jobs.push((out, n) => out.push(...runPython('torch', ['torch'], 'learner_torch.py', [...pythonArgs(cfg), '--modes', modes.join(','), '--fwd-reps', String(cfg.fwdReps)], cfg, n)));
  } else notes.push('PyTorch comparison turned off (--python off / --torch off)');
  if (cfg.keras && wantLearner) {
    jobs.push((out, n) => {
      out.push(...runPython('keras', ['tensorflow', 'keras'], 'learner_keras.py', pythonArgs(cfg), cfg, n));
      if (cfg.xla) {
        const xla = runPython('keras', ['tensorflow', 'keras'], 'learner_keras.py', [...pythonArgs(cfg), '--xla', '1'], cfg, n);
        out.push(...xla.map((r) => ({ ...r, backend: 'keras-xla' })));
      }
    });
  } else if (wantLearner) notes.push('TensorFlow/Keras comparison turned off (--python off / --keras off)');
  const rounds: Result[][] = [];
  for (let round = 0; round < cfg.rounds; round++) {
    if (cfg.rounds > 1) console.error(`[driver] round ${round + 1} of ${cfg.rounds}`);
    const out: Result[] = [];
    const roundNotes: string[] = [];
    for (const job of round % 2 === 0 ? jobs : [...jobs].reverse()) job(out, roundNotes);
    for (const n of roundNotes) if (!notes.includes(n)) notes.push(n);
    rounds.push(out);
  }
  const results = cfg.rounds === 1 ? rounds[0]! : poolRounds(rounds);
  loads.push(loadLine('at end'));

  const torchMs = (net: string, mode: string): number | undefined => results.find((r) => r.backend === 'torch' && r.net === net && r.mode === mode)?.medianMs;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\nimpala-rl learner benchmark, ${started.toISOString()}, ${cpu}, ${availableParallelism()} cores, Node ${process.version}`);
  for (const l of loads) console.log(l);
  console.log(
    cfg.mallocReuse
      ? `every process ran with GLIBC_TUNABLES=${MALLOC_REUSE} (freed memory is reused, not re-faulted; --malloc-reuse 0 to turn off)`
      : 'processes ran with the system\'s malloc settings (--malloc-reuse 0)',
  );

  if (wantLearner) {
    console.log(
      `\nOne learner step (Learner.step: stack B trajectories, unroll T + 1 = ${cfg.T + 1} entries, V-trace, loss, backward, clip, RMSProp);` +
        ` T = ${cfg.T}, ${cfg.size}×${cfg.size}×${cfg.channels} frames, ${cfg.actions} actions, LSTM 256; median of ${cfg.reps} after ${cfg.warmup} warm-up` +
        (cfg.rounds > 1 ? `, in each of ${cfg.rounds} rounds (pooled)` : ''),
    );
    const order = ['torch', 'keras', 'keras-xla', 'cuda', 'tensorflow', 'wasm', 'cpu'];
    const kerasRun = (net: string): Result | undefined => results.find((r) => r.backend === 'keras' && r.net === net && r.mode === 'learner');
    const kerasMs = (net: string): number | undefined => kerasRun(net)?.medianMs;
    const rows = results
      .filter((r) => r.mode === 'learner')
      .sort((a, b) => cfg.nets.indexOf(a.net) - cfg.nets.indexOf(b.net) || order.indexOf(a.backend) - order.indexOf(b.backend) || (a.execution === 'graph' ? 1 : 0) - (b.execution === 'graph' ? 1 : 0))
      .map((r) => {
        const ref = torchMs(r.net, 'learner');
        const keras = kerasMs(r.net);
        const ratio = r.medianMs !== undefined && ref !== undefined && r.backend !== 'torch' ? r.medianMs / ref : undefined;
        const kerasRatio = r.medianMs !== undefined && keras !== undefined && r.framework === 'tfjs' ? r.medianMs / keras : undefined;
        const kerasCpu = kerasRun(r.net)?.cpuMedianMs;
        const kerasCpuRatio = r.cpuMedianMs !== undefined && kerasCpu !== undefined && r.framework === 'tfjs' ? r.cpuMedianMs / kerasCpu : undefined;
        let verdict = '-';
        if (r.execution === 'graph') {
          verdict = kerasRatio === undefined ? '-' : kerasRatio <= GRAPH_TARGET ? `≤ TF/Keras: met` : `≤ TF/Keras: NOT met`;
        } else {
          const target = TARGETS[r.backend];
          verdict = target === undefined || ratio === undefined ? '-' : ratio <= target ? `≤ ${target}× PyTorch: met` : `≤ ${target}× PyTorch: NOT met`;
        }
        const who = r.framework === 'tfjs' ? `tfjs ${r.backend}` : r.backend === 'torch' ? 'PyTorch' : r.backend === 'keras-xla' ? 'TF/Keras (XLA)' : 'TF/Keras (tf.function)';
        return [
          r.net,
          `${r.frames ?? '-'} (${cfg.T}×${cfg.B[r.net]})`,
          who,
          r.execution ?? (r.framework === 'tfjs' ? 'eager' : '-'),
          String(r.threads ?? '-'),
          fmt(r.medianMs),
          r.medianMs === undefined || r.frames === undefined ? '-' : ((1000 * r.frames) / r.medianMs).toFixed(0),
          ratio === undefined ? (r.backend === 'torch' ? '1' : '-') : ratio.toFixed(2),
          kerasRatio === undefined ? (r.backend === 'keras' ? '1' : '-') : kerasRatio.toFixed(2),
          fmt(r.cpuMedianMs),
          kerasCpuRatio === undefined ? (r.backend === 'keras' && r.cpuMedianMs !== undefined ? '1' : '-') : kerasCpuRatio.toFixed(2),
          verdict,
          r.kernels ?? '-',
          reps(r),
        ];
      });
    printTable(['net', 'frames', 'framework / backend', 'execution', 'threads', 'median', 'frames/s', '× PyTorch', '× TF/Keras', 'CPU/step', 'CPU × TF/Keras', 'target', 'kernels per step', 'steps (ms) / note'], rows);
  }

  if (fwdModes.length > 0) {
    console.log(`\nActor forward (one network step + sampling + logits read back), median of ${cfg.fwdReps} after ${cfg.fwdWarmup} warm-up (consecutive steps, in ${FWD_ROUNDS} blocks per execution)`);
    const rows = results
      .filter((r) => r.mode.startsWith('fwd') && r.framework === 'tfjs')
      .map((r) => {
        const ref = torchMs(r.net, r.mode);
        const ratio = r.medianMs !== undefined && ref !== undefined ? r.medianMs / ref : undefined;
        const target = r.execution === 'graph' ? FWD_GRAPH_TARGET : FWD_TARGET;
        const verdict = ratio === undefined ? '-' : ratio <= target ? `≤ ${target}×: met` : `≤ ${target}×: NOT met`;
        const who = r.backend === 'auto' ? `auto (= ${r.resolved ?? '?'})` : r.backend;
        return [r.net, r.mode.slice(3), who, r.execution ?? 'eager', fmt(r.medianMs), fmt(ref), ratio === undefined ? '-' : ratio.toFixed(2), r.backend === 'auto' ? verdict : '-'];
      });
    printTable(['net', 'batch', 'tfjs backend', 'execution', 'median', 'PyTorch', '× PyTorch', 'target (auto; graph: issue #16)'], rows);
  }

  if (cfg.rounds > 1) {
    console.log(`\nRatios round by round (${cfg.rounds} rounds, processes in reverse order on odd rounds; median in brackets)`);
    const line = (label: string, xs: number[]): void => {
      if (xs.length > 0) console.log(`- ${label}: ${xs.map((x) => x.toFixed(2)).join(', ')} (${median(xs).toFixed(2)})`);
    };
    for (const net of cfg.nets) {
      const tfjs = (mode: string, execution: string) => (r: Result) => r.framework === 'tfjs' && r.net === net && r.mode === mode && (r.execution ?? 'eager') === execution && (mode === 'learner' || r.backend === 'auto');
      const other = (backend: string, mode: string) => (r: Result) => r.backend === backend && r.net === net && r.mode === mode;
      for (const execution of ['graph', 'eager']) {
        line(`${net} learner, tfjs ${execution} / TF/Keras`, roundRatios(rounds, (r) => tfjs('learner', execution)(r) && ['tensorflow', 'cuda'].includes(r.backend), other('keras', 'learner')));
        line(`${net} learner, tfjs ${execution} / PyTorch`, roundRatios(rounds, (r) => tfjs('learner', execution)(r) && ['tensorflow', 'cuda'].includes(r.backend), other('torch', 'learner')));
        for (const mode of fwdModes) line(`${net} actor batch ${mode.slice(3)}, auto ${execution} / PyTorch`, roundRatios(rounds, tfjs(mode, execution), other('torch', mode)));
      }
    }
  }

  for (const r of results.filter((x) => x.profile !== undefined)) {
    const p = r.profile!;
    console.log(
      `\nProfile: ${r.net}, tfjs ${r.backend}, one learner step of ${r.frames} frames under tf.profile: ${p.kernels} kernel launches ` +
        `(${p.topLevelKernels} top-level, the rest run inside other kernels or customGrad scopes); step ${fmt(p.stepMs)} with per-kernel timing, ` +
        `top-level kernels ${fmt(p.kernelMs)}, host work between kernels ${fmt(p.stepMs - p.kernelMs)}`,
    );
    const rows = p.byKernel.slice(0, cfg.top).map((k) => [k.name, String(k.calls), fmt(k.selfMs), `${((100 * k.selfMs) / p.stepMs).toFixed(1)}%`, fmt(k.inclusiveMs)]);
    printTable(['kernel (or scope)', 'launches', 'self time', '% of step', 'inclusive'], rows);
    const byCount = [...p.byKernel].sort((a, b) => b.calls - a.calls).slice(0, 10);
    console.log(`Most launched: ${byCount.map((k) => `${k.name} ${k.calls}`).join(', ')}`);
    console.log(`Slowest launches (self time, input shapes): ${p.slowest.map((k) => `${k.name} ${fmt(k.selfMs)} ${k.inputShapes}`).join('; ')}`);
  }

  const versions = new Map(results.filter((r) => r.version !== undefined).map((r) => [r.backend, `${r.backend}: ${r.version} (${r.threads ?? '?'} threads)`]));
  const params = new Map(results.filter((r) => r.params !== undefined).map((r) => [`${r.net} ${r.framework}`, r.params]));
  console.log('\nNotes:');
  for (const v of versions.values()) console.log(`- ${v}`);
  console.log(`- parameters: ${[...params.entries()].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  console.log(`- PyTorch and TF/Keras threads: ${cfg.threads} (--threads; the tensorflow backend uses ${availableParallelism()}, wasm 1)`);
  console.log('- "× PyTorch" / "× TF/Keras" = median / that framework\'s median for the same net and work (higher is slower); eager targets from issue #6, graph targets (≤ TF/Keras tf.function) from issue #16.');
  console.log('- CPU/step = median CPU time of the whole process per step (user + system, all its threads, from process.cpuUsage / time.process_time): on a loaded machine it moves less than the wall time, which counts the time the threads wait for a core; "CPU × TF/Keras" compares those. Threads that spin while waiting (OpenMP, Eigen) count too.');
  console.log('- execution: eager = one libtensorflow op at a time (kernels per step: the TF ops one step issues, counted by recording it); graph = LearnerOptions.compile, one session run per step.');
  for (const n of notes) console.log(`- ${n}`);
  if (cfg.out !== undefined) {
    mkdirSync(dirname(cfg.out), { recursive: true });
    writeFileSync(cfg.out, `${JSON.stringify({ started: started.toISOString(), cpu, loads, config: cfg, hyper: HYPER, results, ...(cfg.rounds > 1 ? { rounds } : {}), notes }, null, 2)}\n`);
    console.log(`- results written to ${cfg.out}`);
  }
}

const { config, worker } = readConfig(process.argv.slice(2));
if (worker !== undefined) await runWorker(worker, config);
else driver(config);
