/**
 * IMPALA on Acrobot-v1 (swing the two-link arm's tip above the bar; −1 per step, 500 steps at most, so a
 * random policy scores about −500). Same small-unroll settings as CartPole. Run with
 * `npx tsx examples/acrobot.ts` (500,000 frames by default).
 */
import '@tensorflow/tfjs-layers'; // registers the gradients the learner needs
import { train, useBackend, type BackendRequest } from '../src/index.js';

/** Options of {@link main}; everything has a default. */
export interface AcrobotOptions {
  /** Frames to train for. @defaultValue 500000 */
  readonly totalFrames?: number;
  /** Seed. @defaultValue 1 */
  readonly seed?: number;
  /** tfjs backend. @defaultValue 'auto' */
  readonly backend?: BackendRequest;
  /** Episode length cap (Acrobot-v1 registers 500 steps). @defaultValue 500 */
  readonly maxEpisodeSteps?: number;
  /** Run directory for metrics and checkpoints; none when omitted. */
  readonly runDir?: string;
  /** Print progress. @defaultValue true */
  readonly verbose?: boolean;
}

/** What {@link main} returns. */
export interface AcrobotResult {
  /** Frames trained. */
  readonly frames: number;
  /** Episodes finished. */
  readonly episodes: number;
  /** Mean return of the last 100 episodes (NaN if none finished). */
  readonly meanReturn100: number;
  /** Every episode's return. */
  readonly returns: readonly number[];
}

/** Trains an agent on Acrobot-v1. */
export async function main(options: AcrobotOptions = {}): Promise<AcrobotResult> {
  const verbose = options.verbose ?? true;
  await useBackend(options.backend ?? 'auto', { verbose });
  let lastPrint = 0;
  const result = await train(
    {
      env: 'Acrobot-v1',
      ...(options.maxEpisodeSteps !== undefined ? { envOptions: { maxEpisodeSteps: options.maxEpisodeSteps } } : {}),
      totalFrames: options.totalFrames ?? 500_000,
      seed: options.seed ?? 1,
      envsPerActor: 8,
      unrollLength: 5,
      batchSize: 8,
      learningRate: 0.001,
      entropyCost: 0.01,
      rewardClipping: 'none',
      ...(options.runDir !== undefined ? { runDir: options.runDir } : {}),
    },
    {
      onProgress: (p) => {
        if (verbose && p.elapsedSeconds - lastPrint >= 5) {
          lastPrint = p.elapsedSeconds;
          console.log(`frames ${p.frames}  mean return (100) ${p.meanReturn100.toFixed(1)}  episodes ${p.episodes}`);
        }
      },
    },
  );
  result.network.dispose();
  if (verbose) console.log(`Acrobot-v1: ${result.frames} frames, ${result.episodes} episodes, mean return of the last 100: ${result.meanReturn100.toFixed(1)}`);
  return { frames: result.frames, episodes: result.episodes, meanReturn100: result.meanReturn100, returns: result.returns };
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
