/**
 * The IMPALA agent: the {@link Actor} and {@link Learner} pair, the trajectory format that travels between
 * them, atomic checkpoints, and {@link train}, the one-machine training loop.
 *
 * @packageDocumentation
 */
export { Actor } from './actor.js';
export type { ActorEnv, ActorOptions, ActorState } from './actor.js';
export { Learner } from './learner.js';
export type { LearnerOptions, LearnerState, LearnerStepMetrics } from './learner.js';
export { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
export type { Checkpoint } from './checkpoint.js';
export { buildNetwork, describeSpaces } from './build-network.js';
export type { SpaceDescription } from './build-network.js';
export { resolveActorMode, train } from './train.js';
export type { ActorMode, TrainConfig, TrainHooks, TrainProgress, TrainResult } from './train.js';
export { ATARI_PRESET, PAPER_DEFAULTS, PAPER_PRESET, presetFor, presetNameFor, resolvePreset, TRAIN_PRESETS } from './presets.js';
export type { TrainPreset } from './presets.js';
export { trajectoryBuffers } from './trajectory.js';
export type { ArrayCoreState, EpisodeStats, Trajectory } from './trajectory.js';
export type {
  AgentModel,
  LstmTensorState,
  ModelState,
  ModelStepInputs,
  ModelStepOutputs,
  ModelUnrollInputs,
  ModelUnrollOutputs,
  ModelWeightSpec,
  ParameterSnapshot,
  ParameterSource,
} from './core.js';
