/**
 * The paper's deep agent (ResNet torso of 3 sections, LSTM 256) on the pixel maze: find the goal (+10, clipped to
 * +1 for learning), respawn, find it again, for 200 steps. It uses the `maze-small` preset of
 * `npm run bench:learn -- maze` (a 2×3 maze of one layout, 24×32 frames, lr 0.001) and prints the agent's mean
 * return next to a uniformly random policy's. The default 100,000 frames took about 11 minutes with wasm on a
 * busy 2-core machine (158 frames/s measured); docs/training.md measured this setting at 440–670 frames/s with
 * tfjs-node on one core (3–4 minutes). There the agent passed twice the random policy's return between 45k and
 * 150k frames, so 100k frames shows learning starting; pass --total-frames 300000 for the benchmark's budget.
 *
 *   npx tsx examples/maze-deep.ts [--total-frames 100000] [--seed 1] [--backend auto|cuda|tensorflow|wasm|cpu] [--run-dir runs/maze] [--quiet]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Rng, makeEnv, parseBackendName, presetFor, train, useBackend, type BackendRequest, type Env, progressPrinter } from 'impala-rl';

/** Options of {@link main}; everything has a default. */
export interface MazeDeepOptions {
  /** Frames to train for. @defaultValue 100000 */
  readonly totalFrames?: number;
  /** Frame height in pixels. @defaultValue 24 (the maze-small preset's) */
  readonly height?: number;
  /** Frame width in pixels. @defaultValue 32 */
  readonly width?: number;
  /** Episode length (Maze-v0 registers 200 steps). @defaultValue 200 */
  readonly maxEpisodeSteps?: number;
  /** Unroll length T. @defaultValue 20 */
  readonly unrollLength?: number;
  /** Batch size B. @defaultValue 16 */
  readonly batchSize?: number;
  /** Environments stepped together by the actor. @defaultValue 16 */
  readonly envsPerActor?: number;
  /** LSTM units. @defaultValue 256 */
  readonly lstmSize?: number;
  /** Episodes of the random policy used as a baseline. @defaultValue 20 */
  readonly randomEpisodes?: number;
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
export interface MazeDeepResult {
  /** Frames trained. */
  readonly frames: number;
  /** Episodes finished during training. */
  readonly episodes: number;
  /** Mean return of the last 100 training episodes (NaN if none finished). */
  readonly meanReturn100: number;
  /** Mean return of a uniformly random policy over `randomEpisodes` episodes. */
  readonly randomReturn: number;
  /** Observation shape the network saw. */
  readonly observationShape: readonly number[];
}

/**
 * Mean return of a uniformly random policy.
 *
 * @param env - the environment (reset with `seed` first).
 * @param episodes - how many episodes.
 * @param seed - seeds the resets and the action choices.
 * @returns the mean return.
 */
export async function randomPolicyReturn(env: Env<unknown, number>, episodes: number, seed: number): Promise<number> {
  const rng = new Rng(seed);
  let total = 0;
  for (let e = 0; e < episodes; e++) {
    await env.reset(e === 0 ? { seed } : undefined);
    for (;;) {
      const r = await env.step(env.actionSpace.sample(rng));
      total += r.reward;
      if (r.terminated || r.truncated) break;
    }
  }
  return total / episodes;
}

/** Trains the deep agent on Maze-v0 and compares it with a random policy. */
export async function main(options: MazeDeepOptions = {}): Promise<MazeDeepResult> {
  const verbose = options.verbose ?? true;
  const backend = await useBackend(options.backend ?? 'auto');
  if (verbose) console.log(`backend: ${backend.name} (${backend.packageName} ${backend.version})`);
  const preset = presetFor('maze-small');
  const envOptions = {
    ...preset.envOptions,
    height: options.height ?? 24,
    width: options.width ?? 32,
    maxEpisodeSteps: options.maxEpisodeSteps ?? 200,
  };
  const seed = options.seed ?? 1;
  const totalFrames = options.totalFrames ?? 100_000;
  const result = await train(
    {
      // The maze preset (docs/training.md): deep torso, LSTM 256, RMSProp ε 1e-5, entropy 0.001, rewards clipped
      // to [−1, 1] as DMLab's were in the paper, global-norm clipping 40.
      ...preset,
      env: 'Maze-v0',
      envOptions,
      totalFrames,
      seed,
      lstmSize: options.lstmSize ?? preset.lstmSize ?? 256,
      unrollLength: options.unrollLength ?? preset.unrollLength,
      batchSize: options.batchSize ?? preset.batchSize,
      envsPerActor: options.envsPerActor ?? preset.envsPerActor,
      ...(options.runDir !== undefined ? { runDir: options.runDir } : {}),
    },
    verbose ? { onProgress: progressPrinter(totalFrames, { seconds: 10 }) } : {},
  );
  const observationShape = result.network.observationShape;
  result.network.dispose();
  const env = makeEnv('Maze-v0', envOptions) as Env<unknown, number>;
  const randomReturn = await randomPolicyReturn(env, options.randomEpisodes ?? 20, seed + 1);
  if (verbose) {
    console.log(`Maze-v0 ${envOptions.height}x${envOptions.width}: ${result.frames} frames, mean return of the last 100 episodes ${result.meanReturn100.toFixed(2)}; random policy ${randomReturn.toFixed(2)}`);
  }
  return { frames: result.frames, episodes: result.episodes, meanReturn100: result.meanReturn100, randomReturn, observationShape };
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
