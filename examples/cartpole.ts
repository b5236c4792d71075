/**
 * CartPole-v1 with exactly the settings of `impala-rl train --env CartPole-v1` (`presetFor('CartPole-v1')`: T 5,
 * B 8, 8 environments, RMSProp lr 0.002, entropy 0.001, rewards × 0.1, 300,000 frames). It shows the one-call
 * `train()` API with a progress line; with the default budget the mean return of the last 100 episodes reaches
 * ≥ 475 (docs/training.md: 500, 490 and 500 over three seeds, first ≥ 475 at about 126k frames), in about
 * 1 minute on 2 cores with the wasm backend (2–3 minutes on the cpu backend).
 *
 *   npx tsx examples/cartpole.ts [--total-frames 300000] [--seed 1] [--backend auto|cuda|tensorflow|wasm|cpu] [--run-dir runs/cartpole] [--quiet]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseBackendName, presetFor, progressPrinter, train, useBackend, type BackendRequest } from 'impala-rl';

/** Options of {@link main}; everything has a default. */
export interface CartPoleOptions {
  /** Frames to train for. @defaultValue the preset's 300000 */
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

/** Trains an agent on CartPole-v1 with the CLI's preset and returns its learning figures. */
export async function main(options: CartPoleOptions = {}): Promise<CartPoleResult> {
  const verbose = options.verbose ?? true;
  const backend = await useBackend(options.backend ?? 'auto');
  if (verbose) console.log(`backend: ${backend.name} (${backend.packageName} ${backend.version})`);
  const preset = presetFor('CartPole-v1');
  const totalFrames = options.totalFrames ?? preset.totalFrames;
  const result = await train(
    {
      ...preset,
      env: 'CartPole-v1',
      totalFrames,
      seed: options.seed ?? preset.seed,
      ...(options.runDir !== undefined ? { runDir: options.runDir } : {}),
    },
    verbose ? { onProgress: progressPrinter(totalFrames) } : {},
  );
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
