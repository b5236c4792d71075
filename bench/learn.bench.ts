/**
 * `npm run bench:learn -- <task> [--seeds 1,2,3] [--frames N] [--minutes M] [--backend auto|cpu|wasm|tensorflow] [--set key=json ...]`
 *
 * Learning benchmarks of issue 7, each with the tuned preset of `src/agent/presets.ts`:
 * - `cartpole`:  CartPole-v1, 300k frames, target: mean return of the last 100 episodes ≥ 475, < 10 min per seed;
 * - `acrobot`:   Acrobot-v1, 500k frames, target ≥ −100;
 * - `stateless`: CartPoleStateless-v1 (velocities masked) with an LSTM, 1M frames, target ≥ 350;
 * - `maze`:      the deep ResNet + LSTM on Maze-v0 with the `maze-small` preset (a 2×3 maze of one fixed
 *                layout, 24×32 frames, 300k frames), compared with a uniform random policy measured in
 *                the same run; target: at least twice the random policy's mean return.
 * - `atari`:     `--game Pong` (any ALE game name; default Pong) as `ALE/<game>-v5` through the Gymnasium
 *                bridge with the `atari` preset (the paper's preprocessing and Table G.1) but the shallow torso
 *                (3.5× the deep one's frames/s on a 2-core CPU) and batch 8 (four times the updates per frame;
 *                with it Pong passed its target in 48 minutes here; see docs/environments.md; `--set torso=deep
 *                --set batchSize=32` for the paper's), 10M frames unless `--frames`, on the fastest backend
 *                available (`--backend auto`); needs Python with
 *                gymnasium, ale-py and numpy (`IMPALA_RL_PYTHON`). The uniform random policy's mean return is
 *                measured first, through the same bridge and preprocessing (`--random-episodes`, default 10);
 *                target (issue #19): at least 5 points above it. Also prints the human-normalised score
 *                (`atariReferenceScores`) of the final mean return.
 * `--minutes M` stops each seed's training cleanly after M minutes of wall-clock time (the curve is still written).
 * Prints one row per seed (final mean return, first frame at which the target was reached, wall time,
 * frames/s) and writes `bench/results/learn-<task>.json` and `.svg` (all seeds' learning curves).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs-layers'; // registers the gradients
import { ATARI_PRESET, MAZE_SMALL_PRESET, presetFor, resolvePreset, type TrainPreset } from '../src/agent/presets.js';
import { isAsyncEnvId, makeEnvAsync } from '../src/envs/make-envs.js';
import { atariReferenceScores } from '../src/metrics/atari-reference-scores.js';
import { humanNormalisedScore } from '../src/metrics/human-normalised.js';
import { train } from '../src/agent/train.js';
import { useBackend, type BackendRequest } from '../src/backends/index.js';
import { Rng } from '../src/envs/contract/rng.js';
import { makeEnv } from '../src/envs/registry.js';
import { writeLearningCurve, type CurvePoint } from '../src/metrics/plot.js';
import { printTable } from './lib/timing.js';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
};

interface Task {
  readonly env: string;
  /** A preset name other than the env's own. */
  readonly preset?: string;
  readonly target: number | null;
  /** Target as a multiple of the uniform random policy's mean return (measured in the same run). */
  readonly targetTimesRandom?: number;
  /** Target: the random policy's mean return plus this. */
  readonly targetAboveRandom?: number;
  readonly minutes: number | null;
  /** Frames when `--frames` is not given (else the preset's). */
  readonly frames?: number;
  /** Seeds when `--seeds` is not given (else 1,2,3). */
  readonly seeds?: string;
  /** Fields over the preset's, under `--set` (the settings chosen for this machine). */
  readonly defaults?: Partial<TrainPreset>;
}

const game = flag('game') ?? 'Pong';

const TASKS: Readonly<Record<string, Task>> = {
  cartpole: { env: 'CartPole-v1', target: 475, minutes: 10 },
  acrobot: { env: 'Acrobot-v1', target: -100, minutes: null },
  stateless: { env: 'CartPoleStateless-v1', target: 350, minutes: null },
  maze: { env: 'Maze-v0', preset: MAZE_SMALL_PRESET, target: null, targetTimesRandom: 2, minutes: null },
  atari: { env: `ALE/${game}-v5`, preset: ATARI_PRESET, defaults: { torso: 'shallow', batchSize: 8 }, target: null, targetAboveRandom: 5, minutes: null, frames: 10_000_000, seeds: '1' },
};

const taskName = args.find((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')) ?? 'cartpole';
const task = TASKS[taskName];
if (!task) {
  console.error(`bench:learn: unknown task '${taskName}'; one of ${Object.keys(TASKS).join(', ')}`);
  process.exit(2);
}
const seeds = (flag('seeds') ?? task.seeds ?? '1,2,3').split(',').map(Number);
// --set key=value overrides a preset field (value parsed as JSON when it can be), e.g. --set entropyCost=0.005
const overrides: Record<string, unknown> = Object.fromEntries(
  args.flatMap((a, i) => (a === '--set' ? [args[i + 1] ?? ''] : a.startsWith('--set=') ? [a.slice(6)] : [])).map((kv) => {
    const [key, ...rest] = kv.split('=');
    const raw = rest.join('=');
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // a plain string
    }
    return [key ?? '', value] as const;
  }),
);
let preset = {
  ...(task.preset === undefined ? presetFor(task.env) : resolvePreset(task.preset)),
  ...task.defaults,
  ...overrides,
} as TrainPreset;
const totalFrames = Number(flag('frames') ?? task.frames ?? preset.totalFrames ?? 1_000_000);
const minutesBudget = flag('minutes') === undefined ? undefined : Number(flag('minutes'));
if (minutesBudget !== undefined && !(minutesBudget > 0)) {
  console.error(`bench:learn: --minutes must be a positive number, got '${flag('minutes')}'`);
  process.exit(2);
}
const backend = (flag('backend') ?? (task.env.startsWith('Maze') || task.env.startsWith('ALE/') ? 'auto' : 'cpu')) as BackendRequest;

/** Mean return of a uniform random policy over `episodes` episodes of an env made asynchronously (the bridge). */
async function randomPolicyReturnAsync(episodes: number): Promise<number> {
  const env = await makeEnvAsync(task!.env, { ...preset.envOptions });
  const n = (env.actionSpace as unknown as { n: number }).n;
  const rng = new Rng(12345);
  let total = 0;
  try {
    for (let e = 0; e < episodes; e++) {
      await env.reset({ seed: 1000 + e });
      for (;;) {
        const r = await env.step(rng.integer(n));
        total += r.reward;
        if (r.terminated || r.truncated) break;
      }
    }
  } finally {
    await env.close?.();
  }
  return total / episodes;
}

/** Mean return of a uniform random policy over `episodes` episodes. */
function randomPolicyReturn(episodes: number): number {
  const env = makeEnv(task!.env, { ...preset.envOptions }) as unknown as {
    reset(a: { seed: number }): unknown;
    step(a: number): { reward: number; terminated: boolean; truncated: boolean };
    actionSpace: { n: number };
  };
  const rng = new Rng(12345);
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    env.reset({ seed: 1000 + e });
    for (;;) {
      const r = env.step(rng.integer(env.actionSpace.n));
      total += r.reward;
      if (r.terminated || r.truncated) break;
    }
  }
  return total / episodes;
}

async function main(): Promise<void> {
  const info = await useBackend(backend);
  console.log(`bench:learn ${taskName}: ${task!.env}${task!.preset === undefined ? '' : ` (preset ${task!.preset})`}, ${totalFrames} frames, seeds ${seeds.join(',')}, backend ${info.name} (${info.version}), node ${process.version}`);
  const randomEpisodes = isAsyncEnvId(task!.env) ? Number(flag('random-episodes') ?? 10) : 200;
  const random = isAsyncEnvId(task!.env)
    ? await randomPolicyReturnAsync(randomEpisodes)
    : task!.env.startsWith('Maze') || task!.target === null
      ? randomPolicyReturn(randomEpisodes)
      : null;
  const target =
    task!.targetTimesRandom !== undefined && random !== null
      ? task!.targetTimesRandom * random
      : task!.targetAboveRandom !== undefined && random !== null
        ? random + task!.targetAboveRandom
        : task!.target;
  if (random !== null) console.log(`uniform random policy: mean return ${random.toFixed(2)} over ${randomEpisodes} episodes${target === null ? '' : `; target ≥ ${target.toFixed(2)}`}`);
  if (taskName === 'atari' && info.name === 'wasm' && overrides.batchSize === undefined && (preset.batchSize ?? 32) > 8) {
    // A learner batch of 32 unrolls × 21 frames of 84×84×4 through the deep torso needs more than the 4 GiB
    // wasm heap (measured: "memory access out of bounds" in the first update); 8 fits.
    const was = preset.batchSize ?? 32;
    preset = { ...preset, batchSize: 8, ...(overrides.envsPerActor === undefined ? { envsPerActor: 8 } : {}) };
    console.log(`wasm backend: batch 8 and 8 envs instead of ${was} (the 4 GiB wasm heap; --set batchSize=N to change)`);
  }
  console.log(`preset: ${JSON.stringify(preset)}`);
  const rows: string[][] = [];
  const series: { name: string; points: CurvePoint[] }[] = [];
  const results = [];
  for (const seed of seeds) {
    const points: CurvePoint[] = [];
    const reached: { at: number | null } = { at: null };
    let lastLog = 0;
    let lastLogTime = performance.now();
    const started = performance.now();
    // Atari runs last hours: they keep a run directory (metrics, TensorBoard, checkpoint, learning-curve.svg)
    // and stop cleanly on Ctrl-C, writing the curve of what they did.
    const long = isAsyncEnvId(task!.env);
    const runDir = long ? join(dirname(fileURLToPath(import.meta.url)), 'results', `learn-${taskName}-${task!.env.replace(/[^A-Za-z0-9.-]/g, '_')}-seed${seed}`) : undefined;
    const stop = new AbortController();
    const onSigint = (): void => {
      console.log('  SIGINT: stopping after this update (the learning curve is still written)');
      stop.abort();
    };
    if (long) process.once('SIGINT', onSigint);
    const budget =
      minutesBudget === undefined
        ? undefined
        : setTimeout(() => {
            console.log(`  --minutes ${minutesBudget}: stopping after this update`);
            stop.abort();
          }, minutesBudget * 60_000);
    if (runDir !== undefined) console.log(`  seed ${seed}: run directory ${runDir}`);
    const r = await train(
      { ...preset, env: task!.env, totalFrames, seed, ...(runDir !== undefined ? { runDir } : {}) },
      {
        signal: stop.signal,
        onProgress: (p) => {
          if (Number.isFinite(p.meanReturn100)) points.push({ x: p.frames, y: p.meanReturn100 });
          if (reached.at === null && target !== null && p.meanReturn100 >= target && p.episodes >= 100) reached.at = p.frames;
          // A line every tenth of the run, and at least every minute (long Atari runs).
          if (p.frames - lastLog >= totalFrames / 10 || performance.now() - lastLogTime >= 60_000) {
            lastLog = p.frames;
            lastLogTime = performance.now();
            console.log(`  seed ${seed}: ${p.frames} frames, ${p.episodes} episodes, mean return ${p.meanReturn100.toFixed(1)}, ${p.framesPerSecond.toFixed(0)} frames/s, ${(p.elapsedSeconds / 60).toFixed(1)} min`);
          }
        },
      },
    );
    process.off('SIGINT', onSigint);
    clearTimeout(budget);
    const minutes = (performance.now() - started) / 60000;
    r.network.dispose();
    const passed = target === null ? null : r.meanReturn100 >= target && (task!.minutes === null || minutes < task!.minutes);
    results.push({ seed, meanReturn100: r.meanReturn100, frames: r.frames, episodes: r.episodes, reachedAt: reached.at, minutes, framesPerSecond: r.frames / (minutes * 60), passed });
    rows.push([String(seed), r.meanReturn100.toFixed(1), String(r.episodes), reached.at === null ? '—' : String(reached.at), minutes.toFixed(1), (r.frames / (minutes * 60)).toFixed(0), passed === null ? '—' : passed ? 'yes' : 'NO']);
    series.push({ name: `seed ${seed}`, points });
  }
  console.log(`\n${task!.env}: mean return of the last 100 episodes after ${totalFrames} frames${target === null ? '' : ` (target ≥ ${target.toFixed(1)}${task!.minutes ? `, < ${task!.minutes} min` : ''})`}\n`);
  printTable(['seed', 'mean return (last 100)', 'episodes', 'first frame ≥ target', 'minutes', 'frames/s', 'passed'], rows);
  if (random !== null) console.log(`\nuniform random policy: mean return ${random.toFixed(2)} over ${randomEpisodes} episodes`);
  const reference = atariReferenceScores(task!.env);
  const humanNormalised = reference === undefined ? null : results.map((r) => humanNormalisedScore(r.meanReturn100, reference));
  if (reference !== undefined) {
    console.log(`human-normalised (Atari-57 table: random ${reference.random}, human ${reference.human}): ${humanNormalised!.map((h) => h.toFixed(3)).join(', ')}`);
  }
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `learn-${taskName}.json`), JSON.stringify({ task: taskName, env: task!.env, presetName: task!.preset ?? task!.env, totalFrames, minutesBudget: minutesBudget ?? null, target, backend: info.name, preset, results, randomPolicyReturn: random, randomEpisodes, humanNormalised, referenceScores: reference ?? null }, null, 1));
  await writeLearningCurve(join(dir, `learn-${taskName}.svg`), series, {
    title: `${task!.env}: mean return (last 100 episodes)`,
    xLabel: 'environment frames',
    yLabel: 'return',
    ...(target === null ? {} : { target }),
  });
  console.log(`\nwrote ${join(dir, `learn-${taskName}.json`)} and .svg`);
}

await main();
