/**
 * Hyperparameter presets of the `impala-rl train` command, one per environment id. A preset fills in the
 * fields of a `TrainConfig` that the command line does not set; flags always win.
 */
import type { TrainConfig } from '../agent/train.js';

/** The fields of a `TrainConfig` a preset may set (everything except the environment and the run's files). */
export type TrainPreset = Partial<Omit<TrainConfig, 'env' | 'runDir' | 'resume'>>;

/**
 * The original IMPALA's hyperparameters (`experiment.py` defaults and the paper's Table G.1), with three
 * changes for a single machine: `totalFrames` is 1,000,000 instead of 10⁹, `unrollLength` is the Atari
 * setting 20 instead of DMLab's 100, and `actionRepeats` is 1 because the built-in environments do not
 * repeat actions (the frame counter then counts environment steps). Used for any environment without a
 * preset of its own, and under every preset.
 */
export const PAPER_DEFAULTS: Readonly<Required<Omit<TrainPreset, 'envOptions' | 'torso' | 'lstmSize' | 'mlpHiddenSizes'>>> = Object.freeze({
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
  learningRate: 0.00048,
  optimizer: 'rmsprop',
  rmspropEpsilon: 0.1,
  rmspropDecay: 0.99,
  maxGradNorm: null,
  actionRepeats: 1,
  checkpointIntervalSeconds: 600,
});

/** Small, dense-reward control tasks: short unrolls, many small updates, no reward clipping. */
const CLASSIC_CONTROL: TrainPreset = {
  unrollLength: 5,
  batchSize: 8,
  envsPerActor: 8,
  optimizer: 'rmsprop',
  learningRate: 0.001,
  entropyCost: 0.01,
  rewardClipping: 'none',
  maxGradNorm: null,
};

/**
 * The pixel mazes: the paper's deep ResNet torso with an LSTM and DMLab-like settings (the entropy cost of the
 * released DMLab-30 run, global-norm clipping 40 as in Table G.1). The frame budget is a starting point, not a
 * tuned figure.
 */
const MAZE: TrainPreset = {
  torso: 'deep',
  lstmSize: 256,
  unrollLength: 20,
  batchSize: 8,
  envsPerActor: 8,
  learningRate: 0.00048,
  entropyCost: 0.0033,
  rewardClipping: 'abs_one',
  maxGradNorm: 40,
  totalFrames: 2_000_000,
};

/**
 * Presets by environment id; `impala-rl train --env ID` uses `TRAIN_PRESETS[ID]` unless `--preset` names
 * another one, and {@link PAPER_DEFAULTS} for ids without a preset. Each preset is merged over
 * {@link PAPER_DEFAULTS}.
 */
export const TRAIN_PRESETS: Readonly<Record<string, TrainPreset>> = Object.freeze({
  'CartPole-v1': { ...CLASSIC_CONTROL, totalFrames: 300_000 },
  'CartPoleStateless-v1': { ...CLASSIC_CONTROL, lstmSize: 64, totalFrames: 1_000_000 },
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
