/**
 * Hyperparameter presets, one per environment id, used by `impala-rl train` (flags always win) and by
 * `npm run bench:learn`. The classic-control and maze presets are the ones measured in docs/training.md.
 */
import { TRAIN_DEFAULTS, type TrainConfig } from './train-config.js';

/**
 * The fields of a `TrainConfig` a preset may set (everything except the environment and the run's files).
 * @category Agent
 */
export type TrainPreset = Partial<Omit<TrainConfig, 'env' | 'runDir' | 'resume'>>;

/**
 * The original IMPALA's hyperparameters: {@link TRAIN_DEFAULTS} without the run options (`resume`,
 * `actorMode`, `compile`, `logIntervalSeconds`), the same object values (the defaults have one owner, `train-config.ts`). Used for any
 * environment without a preset of its own, and under every preset.
 * @category Agent
 */
export const PAPER_DEFAULTS: Readonly<Required<Omit<TrainPreset, 'envOptions' | 'torso' | 'lstmSize' | 'mlpHiddenSizes' | 'actorMode' | 'actorBackend' | 'workerSetupModule' | 'compile' | 'logIntervalSeconds'>>> = Object.freeze(
  Object.fromEntries(Object.entries(TRAIN_DEFAULTS).filter(([key]) => key !== 'resume' && key !== 'actorMode' && key !== 'compile' && key !== 'logIntervalSeconds')) as unknown as Required<
    Omit<TrainPreset, 'envOptions' | 'torso' | 'lstmSize' | 'mlpHiddenSizes' | 'actorMode' | 'actorBackend' | 'workerSetupModule' | 'compile' | 'logIntervalSeconds'>
  >,
);

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
 * The pixel mazes: the paper's deep ResNet torso with an LSTM, Atari-like settings of Table G.1 (global-norm
 * clipping 40), and 36×48 frames (a quarter of DMLab's 72×96) so the deep network trains in minutes on a CPU;
 * pass `envOptions` to change the frame size. Two settings differ from Table G.1, both measured on the maze
 * (docs/training.md, "Maze-v0"): an entropy cost of 0.001 (at 0.01, summed over T·B = 320 steps, the bonus
 * held the policy at the uniform one: its entropy stayed at ln 4 for 100k frames), and RMSProp ε 1e-5
 * (TensorFlow adds ε inside the square root, so ε 0.01 puts a floor of 0.1 under the denominator, which is
 * larger than the per-weight gradient RMS of this network and turns RMSProp into plain SGD with a tiny step).
 */
const MAZE: TrainPreset = {
  envOptions: { height: 36, width: 48 },
  torso: 'deep',
  lstmSize: 256,
  unrollLength: 20,
  batchSize: 16,
  envsPerActor: 16,
  learningRate: 0.0006,
  rmspropEpsilon: 0.00001,
  entropyCost: 0.001,
  rewardClipping: 'abs_one',
  maxGradNorm: 40,
  totalFrames: 100_000,
};

/**
 * The maze benchmark of `npm run bench:learn -- maze` (use with `--env Maze-v0`): the maze preset above on
 * the smallest maze the deep agent learns on a CPU budget: 2×3 cells, one fixed layout (`mazeSeed: 1`; the
 * goal and the start cells still change every episode and after each goal), 24×32 frames, learning rate
 * 0.001, 300,000 frames (about 8 minutes at 600 frames/s with tfjs-node on 2 cores).
 */
const MAZE_SMALL: TrainPreset = {
  ...MAZE,
  envOptions: { rows: 2, cols: 3, mazeSeed: 1, height: 24, width: 32 },
  learningRate: 0.001,
  totalFrames: 300_000,
};

/**
 * Atari through the Gymnasium bridge (`ALE/<game>-v5` ids), the IMPALA paper's Table G.1: 84×84 grayscale
 * frames, action repeat 4 with a max over the last two frames, 4 stacked frames, end of episode on life loss,
 * up to 30 no-op starts (DQN, Mnih et al. 2015), rewards clipped to [-1, 1], unroll 20, batch 32, discount
 * 0.99, baseline cost 0.5, entropy cost 0.01, RMSProp (momentum 0, ε 0.01), learning rate 0.0006 annealed
 * linearly to 0, global-norm gradient clipping 40; the deep ResNet torso without an LSTM (the paper's Atari
 * experts, §5.3.2). Sticky actions stay at ALE v5's 0.25 (Machado et al. 2018; the paper predates them) and
 * episodes are truncated after 108,000 emulator frames (30 minutes of play). `actionRepeats` 4 makes the frame
 * counter count emulator frames, as the paper's do. `totalFrames` is the paper's 200M for one game's expert;
 * pass a smaller `--total-frames` on a CPU (the learning rate anneals over it). docs/environments.md ("Atari")
 * gives each value's source.
 */
const ATARI: TrainPreset = {
  envOptions: {
    noopMax: 30,
    frameSkip: 4,
    maxPool: true,
    screenSize: 84,
    grayscale: true,
    frameStack: 4,
    episodicLife: true,
    repeatActionProbability: 0.25,
    maxEpisodeFrames: 108_000,
  },
  torso: 'deep',
  lstmSize: 0,
  unrollLength: 20,
  batchSize: 32,
  envsPerActor: 32,
  numActors: 1,
  discount: 0.99,
  baselineCost: 0.5,
  entropyCost: 0.01,
  rewardClipping: 'abs_one',
  learningRate: 0.0006,
  optimizer: 'rmsprop',
  rmspropEpsilon: 0.01,
  rmspropDecay: 0.99,
  maxGradNorm: 40,
  actionRepeats: 4,
  totalFrames: 200_000_000,
};

/**
 * The name of the Atari preset, the default of every `ALE/…` id.
 * @category Agent
 */
export const ATARI_PRESET = 'atari';

/**
 * The name of the preset of the maze benchmark (not an env id: combine it with `--env Maze-v0`).
 * @category Agent
 */
export const MAZE_SMALL_PRESET = 'maze-small';

/**
 * Presets by environment id, plus `'maze-small'` (the maze benchmark's, for `--env Maze-v0`) and `'atari'` (every `ALE/…` id's);
 * `impala-rl train --env ID` uses `TRAIN_PRESETS[ID]` unless `--preset` names another one, and {@link PAPER_DEFAULTS} for ids without a preset. Each preset is merged over
 * {@link PAPER_DEFAULTS}.
 * @category Agent
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
  [MAZE_SMALL_PRESET]: MAZE_SMALL,
  [ATARI_PRESET]: ATARI,
});

/**
 * The name `--preset` accepts for {@link PAPER_DEFAULTS} alone.
 * @category Agent
 */
export const PAPER_PRESET = 'paper';

/**
 * The preset of an environment id.
 *
 * @param name - an id in {@link TRAIN_PRESETS}, or {@link PAPER_PRESET}.
 * @returns the preset merged over {@link PAPER_DEFAULTS}, or undefined when there is no such preset.
 * @category Agent
 */
export function resolvePreset(name: string): TrainPreset | undefined {
  if (name === PAPER_PRESET) return { ...PAPER_DEFAULTS };
  const preset = Object.hasOwn(TRAIN_PRESETS, name) ? TRAIN_PRESETS[name] : undefined;
  return preset && { ...PAPER_DEFAULTS, ...preset };
}

/**
 * What {@link presetFor} returns: a {@link TrainPreset} with every field of {@link PAPER_DEFAULTS} set
 * (`totalFrames`, `unrollLength`, `batchSize`, the optimizer's settings, ...), so that
 * `train({ ...presetFor(id), env: id })` is a complete `TrainConfig` under strict type-checking and
 * `presetFor(id).unrollLength` is a number.
 * @category Agent
 */
export type ResolvedTrainPreset = TrainPreset & typeof PAPER_DEFAULTS;

/**
 * The full hyperparameters for an environment id: its preset (or the paper's defaults) merged over
 * {@link PAPER_DEFAULTS}.
 *
 * @param envId - e.g. `'CartPole-v1'`.
 * @returns the preset, ready to spread into a `TrainConfig`: `train({ ...presetFor(id), env: id })`.
 *
 * @example
 * ```ts
 * import { presetFor } from 'impala-rl';
 * const preset = presetFor('CartPole-v1');
 * console.log(preset.totalFrames, preset.unrollLength); // 300000 5
 * ```
 * @category Agent
 */
export function presetFor(envId: string): ResolvedTrainPreset {
  // resolvePreset merges every preset over PAPER_DEFAULTS, so each of its fields is set.
  return { ...PAPER_DEFAULTS, ...resolvePreset(presetNameFor(envId)) };
}

/**
 * The name of the preset an environment id trains with by default.
 *
 * @param envId - e.g. `'CartPole-v1'` or `'ALE/Pong-v5'`.
 * @returns the id itself when it has a preset, {@link ATARI_PRESET} for `ALE/…` ids, else {@link PAPER_PRESET}.
 * @category Agent
 */
export function presetNameFor(envId: string): string {
  if (Object.hasOwn(TRAIN_PRESETS, envId)) return envId;
  return envId.startsWith('ALE/') ? ATARI_PRESET : PAPER_PRESET;
}
