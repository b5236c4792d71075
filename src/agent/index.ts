/**
 * The IMPALA agent: the {@link Actor} and {@link Learner} pair, the trajectory format that travels between
 * them, actor fleets (where actors run: inline, worker threads, or the caller's own), checkpoints, and
 * {@link train}, the one-machine training loop.
 *
 * @packageDocumentation
 */
export { Actor, envResetSeed } from './actor.js';
export type { ActorEnv, ActorOptions, ActorState } from './actor.js';
export { Learner } from './learner.js';
export type { LearnerOptions, LearnerState, LearnerStepMetrics } from './learner.js';
export type { CompileMode, CompileStats } from '../compile/learner-compiler.js';
export type { Checkpoint, CheckpointWriteStep, FoundCheckpoint, SaveCheckpointOptions } from './checkpoint.js';
export { buildNetwork, describeSpaces } from './build-network.js';
export type { SpaceDescription } from './build-network.js';
export type { TrainHooks, TrainProgress, TrainResult, TrainStartInfo } from './train.js';
export { resolveActorConfig, resolveTrainConfig, TRAIN_DEFAULTS } from './train-config.js';
export type { ActorConfig, ActorMode, DefaultedField, ResolvedActorConfig, ResolvedTrainConfig, TrainConfig } from './train-config.js';
export type { ActorFleet, ActorFleetContext, ActorFleetFactory, ActorFleetStats } from './actor-fleet.js';
export { InlineActorFleet } from './inline-actor-fleet.js';
export { CentralInference } from './central-inference.js';
export type { CentralInferenceOptions, CentralInferenceStats, InferenceRequest, InferenceRunner } from './central-inference.js';
export type { InlineActorFleetOptions } from './inline-actor-fleet.js';
export type { Channel } from './channel.js';
export type { ActorWorkerInit, FromActorWorker, ToActorWorker } from './actor-worker-protocol.js';
export { runActorLoop } from './actor-loop.js';
export type { ActorLoopHost } from './actor-loop.js';
export { runLearnerLoop } from './learner-loop.js';
export type { LearnerLoopOptions, LearnerLoopResult } from './learner-loop.js';
export { stackTrajectories } from './stack-trajectories.js';
export type { StackedTrajectories, StackOptions } from './stack-trajectories.js';
export { checkModelFingerprint, modelFingerprint } from './model-fingerprint.js';
export { PAPER_DEFAULTS, PAPER_PRESET, presetFor, presetNameFor, resolvePreset, TRAIN_PRESETS } from './presets.js';
export type { ResolvedTrainPreset, TrainPreset } from './presets.js';
export { decodeTrajectory, encodeTrajectory, trajectoryBuffers, validateTrajectory } from './trajectory.js';
export type { ArrayCoreState, EpisodeStats, Trajectory, TrajectorySpec } from './trajectory.js';
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
export { AgentError, TrajectoryError } from './errors.js';
export type { TrainDefaults } from './train-config.js';
export { progressPrinter } from './progress-printer.js';
export type { ProgressPrinterOptions } from './progress-printer.js';
export { createLearner } from './create-learner.js';
