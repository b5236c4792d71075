/**
 * One agent, several maze variants: `env` takes a list of ids, and the actor's environments cycle through
 * them (as the original IMPALA spread DMLab-30's levels over its actors). Each finished episode carries its
 * environment id (`EpisodeStats.task`), so returns can be followed per task. All variants must produce the
 * same observation shape: the same `height`/`width` is passed to each. The defaults are sized for a laptop:
 * 24×32 frames, the paper's shallow torso with an LSTM of 64, 100,000 frames over three variants; that shows
 * per-task bookkeeping and early learning, not a trained agent (the paper's DMLab-30 runs used 10⁹ frames).
 * About 2 minutes with wasm on a busy 2-core machine (860 frames/s measured over a short run); the progress
 * line prints an ETA.
 *
 *   npx tsx examples/multitask-maze.ts [--total-frames 100000] [--seed 1] [--backend auto|cuda|tensorflow|wasm|cpu] [--quiet]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseBackendName, train, useBackend, type BackendRequest, type BuiltInTorso } from 'impala-rl';

/** The maze variants trained together by default: global view with and without cues, and the local view. */
export const DEFAULT_TASKS = ['Maze-v0', 'MazeNoCues-v0', 'MazeLocal-v0'] as const;

/** Options of {@link main}; everything has a default. */
export interface MultitaskMazeOptions {
  /** The environment ids. @defaultValue {@link DEFAULT_TASKS} */
  readonly tasks?: readonly string[];
  /** Frames to train for. @defaultValue 100000 */
  readonly totalFrames?: number;
  /** Frame height in pixels. @defaultValue 24 */
  readonly height?: number;
  /** Frame width in pixels. @defaultValue 32 */
  readonly width?: number;
  /** Episode length of every variant. @defaultValue each variant's registered length (200 or 300 steps) */
  readonly maxEpisodeSteps?: number;
  /** Torso. @defaultValue 'shallow' */
  readonly torso?: BuiltInTorso;
  /** LSTM units. @defaultValue 64 */
  readonly lstmSize?: number;
  /** Unroll length T. @defaultValue 20 */
  readonly unrollLength?: number;
  /** Batch size B. @defaultValue 12 */
  readonly batchSize?: number;
  /** Environments per actor (a multiple of the number of tasks keeps them balanced). @defaultValue 12 */
  readonly envsPerActor?: number;
  /** Seed. @defaultValue 1 */
  readonly seed?: number;
  /** tfjs backend. @defaultValue 'auto' */
  readonly backend?: BackendRequest;
  /** Print progress. @defaultValue true */
  readonly verbose?: boolean;
}

/** Returns of one task. */
export interface TaskReturns {
  /** Episodes finished. */
  readonly episodes: number;
  /** Mean return of its last 100 episodes (NaN if none finished). */
  readonly meanReturn100: number;
}

/** What {@link main} returns. */
export interface MultitaskMazeResult {
  /** Frames trained, over all tasks. */
  readonly frames: number;
  /** Returns per task id. */
  readonly perTask: Readonly<Record<string, TaskReturns>>;
}

/** Trains one agent on several maze variants and reports returns per task. */
export async function main(options: MultitaskMazeOptions = {}): Promise<MultitaskMazeResult> {
  const verbose = options.verbose ?? true;
  const backend = await useBackend(options.backend ?? 'auto');
  if (verbose) console.log(`backend: ${backend.name} (${backend.packageName} ${backend.version})`);
  const tasks = options.tasks ?? DEFAULT_TASKS;
  const returns = new Map<string, number[]>(tasks.map((t) => [t, []]));
  const summary = (): Record<string, TaskReturns> =>
    Object.fromEntries(
      [...returns].map(([task, r]) => {
        const last = r.slice(-100);
        return [task, { episodes: r.length, meanReturn100: last.length ? last.reduce((a, b) => a + b, 0) / last.length : NaN }];
      }),
    );
  const totalFrames = options.totalFrames ?? 100_000;
  let lastPrint = -Infinity;
  const result = await train(
    {
      env: tasks,
      envOptions: {
        height: options.height ?? 24,
        width: options.width ?? 32,
        ...(options.maxEpisodeSteps !== undefined ? { maxEpisodeSteps: options.maxEpisodeSteps } : {}),
      },
      totalFrames,
      seed: options.seed ?? 1,
      torso: options.torso ?? 'shallow',
      lstmSize: options.lstmSize ?? 64,
      unrollLength: options.unrollLength ?? 20,
      batchSize: options.batchSize ?? 12,
      envsPerActor: options.envsPerActor ?? 12,
      learningRate: 0.00048,
      entropyCost: 0.0033,
      rewardClipping: 'abs_one',
      maxGradNorm: 40,
    },
    {
      onProgress: (p) => {
        for (const e of p.newEpisodes) returns.get(e.task ?? '?')?.push(e.episodeReturn);
        if (verbose && (p.elapsedSeconds - lastPrint >= 10 || p.frames >= totalFrames)) {
          lastPrint = p.elapsedSeconds;
          const parts = Object.entries(summary()).map(([t, s]) => `${t} ${Number.isFinite(s.meanReturn100) ? s.meanReturn100.toFixed(2) : '(no episode yet)'}`);
          const eta = p.framesPerSecond > 0 ? Math.round((totalFrames - p.frames) / p.framesPerSecond) : 0;
          console.log(`${p.frames}/${totalFrames} frames, mean return (last 100) ${parts.join(', ')}, ${Math.round(p.framesPerSecond)} frames/s, ETA ${eta} s`);
        }
      },
    },
  );
  result.network.dispose();
  const perTask = summary();
  if (verbose) {
    console.log(`${result.frames} frames; mean return of the last 100 episodes per task:`);
    for (const [task, s] of Object.entries(perTask)) console.log(`  ${task}: ${Number.isFinite(s.meanReturn100) ? s.meanReturn100.toFixed(2) : '(no episode finished)'} (${s.episodes} episodes)`);
  }
  return { frames: result.frames, perTask };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { 'total-frames': { type: 'string' }, seed: { type: 'string' }, backend: { type: 'string' }, quiet: { type: 'boolean' } } });
  await main({
    ...(values['total-frames'] !== undefined ? { totalFrames: Number(values['total-frames'].replaceAll('_', '')) } : {}),
    ...(values.seed !== undefined ? { seed: Number(values.seed) } : {}),
    ...(values.backend !== undefined ? { backend: parseBackendName(values.backend) } : {}),
    verbose: values.quiet !== true,
  });
}
