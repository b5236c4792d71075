/**
 * impala-rl for web pages: everything that runs without Node (V-trace, losses, optimizers, environments, batching,
 * networks, the Actor and the Learner), plus browser counterparts of the Node-only parts: backend selection among
 * webgpu/webgl/wasm/cpu ({@link useBrowserBackend}), in-page training ({@link PageTrainer}), metrics in memory
 * ({@link MetricsSeries}) and checkpoints through tfjs's `indexeddb://` and `downloads://` handlers
 * ({@link saveBrowserCheckpoint}).
 *
 * Bundlers that apply the `browser` export condition (esbuild with `platform: 'browser'`, Vite, webpack) get this
 * module for `import … from 'impala-rl'`; it is also `impala-rl/browser` for any tool. Left out (Node only): `train`
 * and the CLI, checkpoints in run directories, `WorkerActorPool`, `GymnasiumEnv`, TensorBoard files and plot
 * files, and `useBackend` (it loads Node packages). `ImpalaNetwork.save`/`load` (directories) reject with a hint.
 *
 * @packageDocumentation
 */

/** The package version, kept equal to `package.json`'s by a test. */
export const version = '0.1.0';

export * as vtrace from './vtrace/index.js';
export * from './losses/index.js';
export * from './optim/index.js';
// Environments: as in the Node entry, less GymnasiumEnv (a Python subprocess).
export type { Env, EnvSpec, Info, MaybePromise, ResetArgs, ResetResult, StepResult } from './envs/contract/types.js';
export { Rng } from './envs/contract/rng.js';
export { Box, Discrete, MultiDiscrete, makeBoxArray } from './envs/contract/spaces.js';
export type { AnySpace, BoxArray, BoxArrayTypes, BoxDtype, BoxOptions, BoxValue, Space, SpaceKind } from './envs/contract/spaces.js';
export { Wrapper } from './envs/wrappers/wrapper.js';
export { TimeLimit } from './envs/wrappers/time-limit.js';
export { RecordEpisodeStatistics } from './envs/wrappers/record-episode-statistics.js';
export type { EpisodeStatistics, RecordEpisodeStatisticsOptions } from './envs/wrappers/record-episode-statistics.js';
export { ClipReward } from './envs/wrappers/clip-reward.js';
export type { ClipRewardOptions } from './envs/wrappers/clip-reward.js';
export { FrameStack } from './envs/wrappers/frame-stack.js';
export type { FrameStackOptions } from './envs/wrappers/frame-stack.js';
export { NormalizeObservation } from './envs/wrappers/normalize-observation.js';
export type { NormalizeObservationOptions, RunningMeanStd } from './envs/wrappers/normalize-observation.js';
export { ActionRepeat } from './envs/wrappers/action-repeat.js';
export { VectorEnv } from './envs/vector-env.js';
export type { VectorResetResult, VectorStepResult } from './envs/vector-env.js';
export { ClassicControlEnv } from './envs/builtin/classic-control-env.js';
export type { ClassicControlOptions } from './envs/builtin/classic-control-env.js';
export { CartPoleEnv } from './envs/builtin/cartpole.js';
export type { CartPoleOptions } from './envs/builtin/cartpole.js';
export { AcrobotEnv } from './envs/builtin/acrobot.js';
export type { AcrobotOptions } from './envs/builtin/acrobot.js';
export { MountainCarEnv } from './envs/builtin/mountain-car.js';
export type { MountainCarOptions } from './envs/builtin/mountain-car.js';
export { MazeEnv, MAZE_VARIANTS } from './envs/builtin/maze-env.js';
export type { MazeOptions, MazeVariant, MazeVariantId } from './envs/builtin/maze-env.js';
export { generateMaze } from './envs/builtin/maze-layout.js';
export type { MazeLayout } from './envs/builtin/maze-layout.js';
export { EnvRegistry, createEnvRegistry, makeEnv, registerEnv } from './envs/registry.js';
export type {
  BuiltinEnvEntry,
  BuiltinEnvId,
  BuiltinEnvs,
  EnvFactory,
  EnvRegistration,
  MakeEnvOptions,
  RegisterEnvOptions,
} from './envs/registry.js';
// Dynamic batching and the learner's batching queue.
export { DynamicBatcher, BatchingQueue, batchFn, BatcherClosedError, BatchShapeError } from './batching/index.js';
export type {
  BatchFunction,
  DynamicBatcherOptions,
  BatchingQueueOptions,
  BatchFnOptions,
  BatchedFunction,
  TensorNest,
} from './batching/index.js';
// Networks (ImpalaNetwork.save/load need Node; see above).
export * from './networks/index.js';
// Kernels impala-rl adds to the wasm and cpu backends (useBrowserBackend registers them).
export { WASM_TRAINING_KERNELS, registerWasmTrainingKernels, unregisterWasmTrainingKernels } from './backends/wasm-kernels.js';
export type { RegisterWasmTrainingKernelsOptions, WasmTrainingKernelName } from './backends/wasm-kernels.js';
export { CPU_MATMUL_KERNELS, registerCpuMatMulKernels, unregisterCpuMatMulKernels } from './backends/cpu-kernels.js';
export type { CpuMatMulKernelName } from './backends/cpu-kernels.js';
// The agent: Actor, Learner, the network train builds, presets.
export { Actor } from './agent/actor.js';
export type { ActorEnv, ActorOptions, ActorState } from './agent/actor.js';
export { Learner } from './agent/learner.js';
export type { LearnerOptions, LearnerState, LearnerStepMetrics } from './agent/learner.js';
export type { Checkpoint } from './agent/checkpoint.js';
export type { TrainConfig } from './agent/train.js';
export { buildNetwork, describeSpaces } from './agent/build-network.js';
export type { SpaceDescription } from './agent/build-network.js';
export { PAPER_DEFAULTS, PAPER_PRESET, presetFor, resolvePreset, TRAIN_PRESETS } from './agent/presets.js';
export type { TrainPreset } from './agent/presets.js';
export { trajectoryBuffers } from './agent/trajectory.js';
export type { ArrayCoreState, EpisodeStats, Trajectory } from './agent/trajectory.js';
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
} from './agent/core.js';
// The error classes, the actor-fleet seam and the pieces of train() that need no Node.
export { ImpalaRlError, ArgumentError } from './internal/errors.js';
export type { ImpalaRlErrorOptions } from './internal/errors.js';
export { AgentError, TrajectoryError } from './agent/errors.js';
export { EnvError } from './envs/errors.js';
export { MetricsError } from './metrics/errors.js';
export { BackendError } from './backends/backend-unavailable-error.js';
export { BatchingError } from './batching/errors.js';
export { READY_LINE, assertTfjsReady, backendRegistered } from './backends/tfjs-ready.js';
export { ensureGradients, gradientsRegistered } from './backends/gradients.js';
export { resolveActorConfig, resolveTrainConfig, TRAIN_DEFAULTS } from './agent/train-config.js';
export type { ActorConfig, ActorMode, DefaultedField, ResolvedActorConfig, ResolvedTrainConfig, TrainDefaults } from './agent/train-config.js';
export { presetNameFor } from './agent/presets.js';
export type { ResolvedTrainPreset } from './agent/presets.js';
export type { ActorFleet, ActorFleetContext, ActorFleetFactory } from './agent/actor-fleet.js';
export { InlineActorFleet } from './agent/inline-actor-fleet.js';
export type { InlineActorFleetOptions } from './agent/inline-actor-fleet.js';
export type { Channel } from './agent/channel.js';
export { runLearnerLoop } from './agent/learner-loop.js';
export type { LearnerLoopOptions, LearnerLoopResult } from './agent/learner-loop.js';
export { stackTrajectories } from './agent/stack-trajectories.js';
export type { StackedTrajectories, StackOptions } from './agent/stack-trajectories.js';
export { checkModelFingerprint, modelFingerprint } from './agent/model-fingerprint.js';
export { decodeTrajectory, encodeTrajectory, validateTrajectory } from './agent/trajectory.js';
export type { TrajectorySpec } from './agent/trajectory.js';
export { progressPrinter } from './agent/progress-printer.js';
export { createLearner } from './agent/create-learner.js';
export type { ProgressPrinterOptions } from './agent/progress-printer.js';
export { envIds } from './envs/registry.js';
export { humanNormalisedScore, summariseHumanNormalised } from './metrics/human-normalised.js';
export type { HumanNormalisedSummary, ReferenceScores } from './metrics/human-normalised.js';
// Browser counterparts of the Node-only parts.
export {
  BROWSER_BACKENDS,
  gpuRenderer,
  registeredBrowserBackends,
  useBrowserBackend,
  type BrowserBackendInfo,
  type BrowserBackendName,
  type BrowserBackendRequest,
  type SkippedBrowserBackend,
  type UseBrowserBackendOptions,
} from './browser/backend.js';
export { PageTrainer } from './browser/page-trainer.js';
export type { EnvSlotInfo, PageTrainerConfig, PageTrainerOptions, PageTrainerStatus } from './browser/page-trainer.js';
export { MetricsSeries, METRICS_COLUMNS } from './browser/metrics-series.js';
export type { EpisodePoint, MetricsPoint } from './browser/metrics-series.js';
export { loadBrowserCheckpoint, saveBrowserCheckpoint } from './browser/checkpoint.js';
