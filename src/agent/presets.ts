import type { TrainConfig } from './train.js';

/** Hyperparameters without the environment and budget-independent fields, as presets give them. */
export type TrainPreset = Omit<TrainConfig, 'env'>;

/**
 * The paper's defaults (scalable_agent `experiment.py`, DMLab): RMSProp lr 0.00048, decay 0.99, ε 0.1,
 * entropy 0.00025, baseline cost 0.5, γ 0.99, `abs_one` reward clipping, unroll 100 (here 20), no
 * gradient clipping. Used for environments without a tuned preset.
 */
export const PAPER_PRESET: TrainPreset = {
  totalFrames: 1_000_000,
  unrollLength: 20,
  batchSize: 8,
  envsPerActor: 8,
  optimizer: 'rmsprop',
  learningRate: 0.00048,
  rmspropEpsilon: 0.1,
  rmspropDecay: 0.99,
  entropyCost: 0.00025,
  baselineCost: 0.5,
  discount: 0.99,
  rewardClipping: 'abs_one',
  maxGradNorm: null,
};

/** Classic control: short unrolls (many small updates), rewards scaled by 0.1, entropy 0.01. */
const CLASSIC_CONTROL: TrainPreset = {
  ...PAPER_PRESET,
  totalFrames: 300_000,
  unrollLength: 5,
  batchSize: 8,
  envsPerActor: 8,
  learningRate: 0.001,
  entropyCost: 0.01,
  rewardClipping: 'none',
  rewardScale: 0.1,
};

/**
 * Tuned presets per environment id, measured in `npm run bench:learn` (figures in docs/training.md).
 * Mazes use 36×48 frames (a quarter of DMLab's 72×96) so the deep network trains in minutes on a CPU.
 */
export const TRAIN_PRESETS: Readonly<Record<string, TrainPreset>> = {
  'CartPole-v1': CLASSIC_CONTROL,
  'Acrobot-v1': { ...CLASSIC_CONTROL, totalFrames: 500_000 },
  'CartPoleStateless-v1': { ...CLASSIC_CONTROL, totalFrames: 1_000_000, lstmSize: 64, unrollLength: 10, batchSize: 32, envsPerActor: 32 },
  'Maze-v0': {
    ...PAPER_PRESET,
    envOptions: { height: 36, width: 48 },
    torso: 'deep',
    lstmSize: 256,
    totalFrames: 100_000,
    unrollLength: 20,
    batchSize: 16,
    envsPerActor: 16,
    learningRate: 0.0006,
    rmspropEpsilon: 0.01,
    entropyCost: 0.01,
    maxGradNorm: 40,
  },
};

/**
 * The preset for an environment id: a tuned one when there is one (maze variants share `Maze-v0`'s),
 * the paper's defaults otherwise.
 *
 * @param envId - e.g. `'CartPole-v1'`.
 * @returns the hyperparameters (without `env`).
 */
export function presetFor(envId: string): TrainPreset {
  return TRAIN_PRESETS[envId] ?? (envId.startsWith('Maze') ? TRAIN_PRESETS['Maze-v0']! : PAPER_PRESET);
}
