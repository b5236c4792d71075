/**
 * Acrobot-v1 (swing the two-link arm's tip above the bar; −1 per step, 500 steps at most, so a random policy
 * scores about −500) with the settings of `impala-rl train --env Acrobot-v1` (`presetFor`: CartPole's small
 * unrolls, 500,000 frames). It shows that the same preset learns a second control task; with the default budget
 * the mean return passes −100 after about 30k frames and ends near −81 (docs/training.md, three seeds), in about
 * 1 minute on 2 cores with the wasm backend.
 *
 *   npx tsx examples/acrobot.ts [--total-frames 500000] [--seed 1] [--backend auto|cuda|tensorflow|wasm|cpu] [--run-dir runs/acrobot] [--quiet]
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { parseBackendName, presetFor, train, useBackend, type BackendRequest, progressPrinter } from 'impala-rl';

/** Options of {@link main}; everything has a default. */
export interface AcrobotOptions {
  /** Frames to train for. @defaultValue the preset's 500000 */
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
  const backend = await useBackend(options.backend ?? 'auto');
  if (verbose) console.log(`backend: ${backend.name} (${backend.packageName} ${backend.version})`);
  const preset = presetFor('Acrobot-v1');
  const totalFrames = options.totalFrames ?? preset.totalFrames;
  const result = await train(
    {
      ...preset,
      env: 'Acrobot-v1',
      ...(options.maxEpisodeSteps !== undefined ? { envOptions: { maxEpisodeSteps: options.maxEpisodeSteps } } : {}),
      totalFrames,
      seed: options.seed ?? preset.seed,
      ...(options.runDir !== undefined ? { runDir: options.runDir } : {}),
    },
    verbose ? { onProgress: progressPrinter(totalFrames) } : {},
  );
  result.network.dispose();
  if (verbose) console.log(`Acrobot-v1: ${result.frames} frames, ${result.episodes} episodes, mean return of the last 100: ${result.meanReturn100.toFixed(1)}`);
  return { frames: result.frames, episodes: result.episodes, meanReturn100: result.meanReturn100, returns: result.returns };
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
