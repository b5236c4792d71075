/**
 * IMPALA on CartPole-v1: one actor stepping 8 environments, a learner taking batches of 8 unrolls of 5 steps,
 * and the hyperparameters of the `impala-rl train --env CartPole-v1` preset. Run with
 * `npx tsx examples/cartpole.ts` (about 300,000 frames; pass a smaller budget to `main` for a quick look).
 */
import '@tensorflow/tfjs-layers'; // registers the gradients the learner needs (tfjs-core alone has none)
import { train, useBackend, type BackendRequest, type TrainConfig } from '../src/index.js';

/** Options of {@link main}; everything has a default. */
export interface CartPoleOptions {
  /** Frames to train for. @defaultValue 300000 */
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
export interface CartPoleResult {
  /** Frames trained. */
  readonly frames: number;
  /** Episodes finished. */
  readonly episodes: number;
  /** Mean return of the last 100 episodes. */
  readonly meanReturn100: number;
  /** Mean return of the first 20 episodes, for comparison. */
  readonly firstReturns: number;
}

/** Trains an agent on CartPole-v1 and returns its learning figures. */
export async function main(options: CartPoleOptions = {}): Promise<CartPoleResult> {
  const verbose = options.verbose ?? true;
  await useBackend(options.backend ?? 'auto', { verbose });
  const config: TrainConfig = {
    env: 'CartPole-v1',
    totalFrames: options.totalFrames ?? 300_000,
    seed: options.seed ?? 1,
    envsPerActor: 8,
    unrollLength: 5,
    batchSize: 8,
    optimizer: 'rmsprop',
    learningRate: 0.001,
    entropyCost: 0.01,
    rewardClipping: 'none', // CartPole pays +1 per step: nothing to clip
    maxGradNorm: null,
    ...(options.runDir !== undefined ? { runDir: options.runDir } : {}),
  };
  let lastPrint = 0;
  const result = await train(config, {
    onProgress: (p) => {
      if (verbose && p.elapsedSeconds - lastPrint >= 5) {
        lastPrint = p.elapsedSeconds;
        console.log(`frames ${p.frames}  mean return (100) ${p.meanReturn100.toFixed(1)}  ${Math.round(p.framesPerSecond)} frames/s`);
      }
    },
  });
  result.network.dispose();
  const first = result.returns.slice(0, 20);
  const out = {
    frames: result.frames,
    episodes: result.episodes,
    meanReturn100: result.meanReturn100,
    firstReturns: first.reduce((a, b) => a + b, 0) / first.length,
  };
  if (verbose) console.log(`CartPole-v1: ${out.frames} frames, ${out.episodes} episodes, mean return of the last 100: ${out.meanReturn100.toFixed(1)} (first 20: ${out.firstReturns.toFixed(1)})`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
