/**
 * Hyperparameter presets, one per environment id, used by `impala-rl train` (flags always win) and by
 * `npm run bench:learn`. The classic-control and maze presets are the ones measured in docs/training.md.
 */
import type { TrainConfig } from './train.js';

/** The fields of a `TrainConfig` a preset may set (everything except the environment and the run's files). */
export type TrainPreset = Partial<Omit<TrainConfig, 'env' | 'runDir' | 'resume'>>;

/**
 * The original IMPALA's hyperparameters (`experiment.py` defaults and the paper's Table G.1), with three
 * changes for a single machine: `totalFrames` is 1,000,000 instead of 10⁹, `unrollLength` is the Atari
 * setting 20 instead of DMLab's 100, and `actionRepeats` is 1 because the built-in environments do not
 * repeat actions (the frame counter then counts environment steps). Used for any environment without a
 * preset of its own, and under every preset.
 */
export const PAPER_DEFAULTS: Readonly<Required<Omit<TrainPreset, 'envOptions' | 'torso' | 'lstmSize' | 'mlpHiddenSizes' | 'actorMode' | 'actorBackend' | 'workerSetupModule'>>> = Object.freeze({
  totalFrames: 1_000_000,
  seed: 1,
  numActors: 1,
  envsPerActor: 8,
  unrollLength: 20,
  batchSize: 32,
  discount: 0.99,
  baselineCost: 0.5,
  entropyCost: 0.00025,
  rewardClipping: 'abs_one',
  rewardScale: 1,
  learningRate: 0.00048,
  optimizer: 'rmsprop',
  rmspropEpsilon: 0.1,
  rmspropDecay: 0.99,
  maxGradNorm: null,
  actionRepeats: 1,
  checkpointIntervalSeconds: 600,
});

/**
 * Small, dense-reward control tasks: short unrolls (many small updates), rewards scaled by 0.1 (returns of
 * hundreds would otherwise dominate the shared torso through the baseline loss), no clipping, a small
 * entropy bonus (0.001: with rewards scaled by 0.1, larger bonuses keep the policy too random to hold 500).
 */
const CLASSIC_CONTROL: TrainPreset = {
  unrollLength: 5,
  batchSize: 8,
  envsPerActor: 8,
  optimizer: 'rmsprop',
  learningRate: 0.002,
  entropyCost: 0.001,
  rewardClipping: 'none',
  rewardScale: 0.1,
  maxGradNorm: null,
};

/**
 * The pixel mazes: the paper's deep ResNet torso with an LSTM, Atari-like settings of Table G.1 (RMSProp
 * ε 0.01, global-norm clipping 40), entropy 0.01, and 36×48 frames (a quarter of DMLab's 72×96) so the deep
 * network trains in minutes on a CPU; pass `envOptions` to change the frame size.
 */
const MAZE: TrainPreset = {
  envOptions: { height: 36, width: 48 },
  torso: 'deep',
  lstmSize: 256,
  unrollLength: 20,
  batchSize: 16,
  envsPerActor: 16,
  learningRate: 0.0006,
  rmspropEpsilon: 0.01,
  entropyCost: 0.01,
  rewardClipping: 'abs_one',
  maxGradNorm: 40,
  totalFrames: 100_000,
};

/**
 * Presets by environment id; `impala-rl train --env ID` uses `TRAIN_PRESETS[ID]` unless `--preset` names
 * another one, and {@link PAPER_DEFAULTS} for ids without a preset. Each preset is merged over
 * {@link PAPER_DEFAULTS}.
 */
export const TRAIN_PRESETS: Readonly<Record<string, TrainPreset>> = Object.freeze({
  'CartPole-v1': { ...CLASSIC_CONTROL, totalFrames: 300_000 },
  'CartPoleStateless-v1': { ...CLASSIC_CONTROL, lstmSize: 64, unrollLength: 10, batchSize: 32, envsPerActor: 32, totalFrames: 1_000_000 },
  'Acrobot-v1': { ...CLASSIC_CONTROL, totalFrames: 500_000 },
  'Maze-v0': MAZE,
  'MazeNoCues-v0': MAZE,
  'MazeLarge-v0': MAZE,
  'MazeLargeNoCues-v0': MAZE,
  'MazeLocal-v0': MAZE,
  'MazeLocalNoCues-v0': MAZE,
});

/** The name `--preset` accepts for {@link PAPER_DEFAULTS} alone. */
export const PAPER_PRESET = 'paper';

/**
 * The preset of an environment id.
 *
 * @param name - an id in {@link TRAIN_PRESETS}, or {@link PAPER_PRESET}.
 * @returns the preset merged over {@link PAPER_DEFAULTS}, or undefined when there is no such preset.
 */
export function resolvePreset(name: string): TrainPreset | undefined {
  if (name === PAPER_PRESET) return { ...PAPER_DEFAULTS };
  const preset = Object.hasOwn(TRAIN_PRESETS, name) ? TRAIN_PRESETS[name] : undefined;
  return preset && { ...PAPER_DEFAULTS, ...preset };
}

/**
 * The full hyperparameters for an environment id: its preset (or the paper's defaults) merged over
 * {@link PAPER_DEFAULTS}.
 *
 * @param envId - e.g. `'CartPole-v1'`.
 * @returns the preset, ready to spread into a `TrainConfig`: `train({ ...presetFor(id), env: id })`.
 */
export function presetFor(envId: string): TrainPreset {
  return resolvePreset(Object.hasOwn(TRAIN_PRESETS, envId) ? envId : PAPER_PRESET)!;
}
