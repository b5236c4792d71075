/**
 * Wiring your own environment: implement the `Env` contract (Gymnasium's `reset`/`step` with separate
 * `terminated` and `truncated`), check it with `checkEnv`, register a factory under an id, and train on it.
 * The env here is a corridor: the agent starts in cell 0 of N, moves left or right, and gets +1 on reaching
 * the last cell (the episode terminates there); `registerEnv` adds a time limit that truncates long episodes.
 * With the default 30,000 frames most episodes reach the end well inside the limit; about 30 s on 2 cores.
 *
 *   npx tsx examples/custom-env.ts [--total-frames 30000] [--seed 1] [--backend auto|cuda|tensorflow|wasm|cpu] [--run-dir runs/corridor] [--quiet]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Box, Discrete, Rng, parseBackendName, registerEnv, train, useBackend, type BackendRequest, type Env, type ResetArgs, type ResetResult, type StepResult, progressPrinter } from 'impala-rl';
import { checkEnv, type CheckEnvReport } from 'impala-rl/testing';

/** A corridor of `length` cells; observation: one-hot position; actions: 0 left, 1 right; +1 at the end. */
export class CorridorEnv implements Env<Float32Array, number> {
  readonly observationSpace: Box;
  readonly actionSpace = new Discrete(2);
  #position = -1;
  #rng = new Rng(0);

  /** @param length - cells (>= 2). */
  constructor(readonly length = 8) {
    if (!Number.isInteger(length) || length < 2) throw new RangeError(`CorridorEnv: length must be an integer >= 2, got ${length}`);
    this.observationSpace = new Box(0, 1, [length]);
  }

  #observe(): Float32Array {
    const obs = new Float32Array(this.length);
    obs[this.#position] = 1;
    return obs;
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    if (args.seed !== undefined) this.#rng = new Rng(args.seed);
    // Start in one of the first two cells, so that seeding matters (checkEnv checks determinism).
    this.#position = this.#rng.random() < 0.5 ? 0 : 1;
    return { observation: this.#observe(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (this.#position < 0) throw new Error('CorridorEnv.step: call reset() first');
    if (action !== 0 && action !== 1) throw new RangeError(`CorridorEnv.step: action must be 0 or 1, got ${action}`);
    this.#position = Math.max(0, this.#position + (action === 1 ? 1 : -1));
    const terminated = this.#position === this.length - 1;
    const observation = this.#observe();
    if (terminated) this.#position = -1;
    return { observation, reward: terminated ? 1 : 0, terminated, truncated: false, info: {} };
  }
}

/** Options of {@link main}; everything has a default. */
export interface CustomEnvOptions {
  /** Corridor length. @defaultValue 8 */
  readonly length?: number;
  /** Steps before an episode is truncated. @defaultValue 50 */
  readonly maxEpisodeSteps?: number;
  /** Frames to train for. @defaultValue 30000 */
  readonly totalFrames?: number;
  /** Seed. @defaultValue 1 */
  readonly seed?: number;
  /** tfjs backend. @defaultValue 'auto' */
  readonly backend?: BackendRequest;
  /** Run directory for metrics and checkpoints; none when omitted. */
  readonly runDir?: string;
  /** Print progress. @defaultValue true */
  readonly verbose?: boolean;
}

/** What {@link main} returns. */
export interface CustomEnvResult {
  /** What `checkEnv` found. */
  readonly check: CheckEnvReport;
  /** Frames trained. */
  readonly frames: number;
  /** Episodes finished. */
  readonly episodes: number;
  /** Mean length of the last 100 episodes (the shortest possible is `length − 2`). */
  readonly meanLength100: number;
  /** Mean return of the last 100 episodes (1 when every episode reaches the end in time). */
  readonly meanReturn100: number;
}

/** Checks the corridor env, registers it as `Corridor-v0` and trains on it. */
export async function main(options: CustomEnvOptions = {}): Promise<CustomEnvResult> {
  const verbose = options.verbose ?? true;
  const length = options.length ?? 8;
  // 1. The contract check: resets, steps, determinism, spaces. Fix every problem it lists before training.
  const check = await checkEnv(() => new CorridorEnv(length));
  if (!check.ok) throw new Error(`CorridorEnv breaks the Env contract:\n${check.problems.join('\n')}`);
  // 2. Register a factory: `train` (and `makeEnv`) build one env per actor slot from it. `override` lets
  //    main() run twice in one process.
  registerEnv('Corridor-v0', (o) => new CorridorEnv((o.length as number | undefined) ?? length), { maxEpisodeSteps: options.maxEpisodeSteps ?? 50, override: true });
  // 3. Train.
  const backend = await useBackend(options.backend ?? 'auto');
  if (verbose) console.log(`backend: ${backend.name} (${backend.packageName} ${backend.version})`);
  const lengths: number[] = [];
  const totalFrames = options.totalFrames ?? 30_000;
  const print = verbose ? progressPrinter(totalFrames) : undefined;
  const result = await train(
    {
      env: 'Corridor-v0',
      envOptions: { length },
      totalFrames,
      seed: options.seed ?? 1,
      envsPerActor: 8,
      unrollLength: 10,
      batchSize: 8,
      optimizer: 'adam',
      learningRate: 0.003,
      entropyCost: 0.01,
      rewardClipping: 'none',
      discount: 0.95,
      ...(options.runDir !== undefined ? { runDir: options.runDir } : {}),
    },
    { onProgress: (p) => { for (const e of p.newEpisodes) lengths.push(e.episodeLength); print?.(p); } },
  );
  result.network.dispose();
  const last = lengths.slice(-100);
  const out = {
    check,
    frames: result.frames,
    episodes: result.episodes,
    meanLength100: last.reduce((a, b) => a + b, 0) / last.length,
    meanReturn100: result.meanReturn100,
  };
  if (verbose) console.log(`Corridor-v0 (length ${length}): ${out.episodes} episodes, mean length of the last 100 ${out.meanLength100.toFixed(1)}, mean return ${out.meanReturn100.toFixed(2)}`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: { 'total-frames': { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, 'run-dir': { type: 'string' }, quiet: { type: 'boolean' } },
  });
  await main({
    ...(values['total-frames'] !== undefined ? { totalFrames: Number(values['total-frames'].replaceAll('_', '')) } : {}),
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    ...(values.backend !== undefined ? { backend: parseBackendName(values.backend) } : {}),
    ...(values['run-dir'] !== undefined ? { runDir: values['run-dir'] } : {}),
    verbose: values.quiet !== true,
  });
}
