/**
 * Environments. One folder, three parts that say what they are:
 * - `contract/`: the environment contract (Gymnasium's API in TypeScript): `Env`, spaces, a seedable generator;
 * - `wrappers/`: the usual wrappers, plus a vectorised env beside them (`vector-env.ts`);
 * - `builtin/`: concrete environments (classic control ported from Gymnasium 1.3, a pixel maze, the Gymnasium
 *   bridge), made by id through the registry (`registry.ts`).
 *
 * @packageDocumentation
 */
// The contract and the wrappers.
export type { Env, EnvSpec, Info, MaybePromise, ResetArgs, ResetResult, StepResult } from './contract/types.js';
export { Rng } from './contract/rng.js';
export { Box, Discrete, MultiDiscrete, makeBoxArray } from './contract/spaces.js';
export type { AnySpace, BoxArray, BoxArrayTypes, BoxDtype, BoxOptions, BoxValue, Space, SpaceKind } from './contract/spaces.js';
export { Wrapper } from './wrappers/wrapper.js';
export { TimeLimit } from './wrappers/time-limit.js';
export { RecordEpisodeStatistics } from './wrappers/record-episode-statistics.js';
export type { EpisodeStatistics, RecordEpisodeStatisticsOptions } from './wrappers/record-episode-statistics.js';
export { ClipReward } from './wrappers/clip-reward.js';
export type { ClipRewardOptions } from './wrappers/clip-reward.js';
export { FrameStack } from './wrappers/frame-stack.js';
export type { FrameStackOptions } from './wrappers/frame-stack.js';
export { NormalizeObservation } from './wrappers/normalize-observation.js';
export type { NormalizeObservationOptions, RunningMeanStd } from './wrappers/normalize-observation.js';
export { ActionRepeat } from './wrappers/action-repeat.js';
export { VectorEnv } from './vector-env.js';
export type { VectorResetResult, VectorStepResult } from './vector-env.js';
// Built-in environments and the registry.
export { ClassicControlEnv } from './builtin/classic-control-env.js';
export type { ClassicControlOptions } from './builtin/classic-control-env.js';
export { CartPoleEnv } from './builtin/cartpole.js';
export type { CartPoleOptions } from './builtin/cartpole.js';
export { AcrobotEnv } from './builtin/acrobot.js';
export type { AcrobotOptions } from './builtin/acrobot.js';
export { MountainCarEnv } from './builtin/mountain-car.js';
export type { MountainCarOptions } from './builtin/mountain-car.js';
export { MazeEnv, MAZE_VARIANTS } from './builtin/maze-env.js';
export type { MazeOptions, MazeVariant, MazeVariantId } from './builtin/maze-env.js';
export { generateMaze } from './builtin/maze-layout.js';
export type { MazeLayout } from './builtin/maze-layout.js';
export { EnvRegistry, createEnvRegistry, envIds, makeEnv, registerEnv } from './registry.js';
export type {
  BuiltinEnvEntry,
  BuiltinEnvId,
  BuiltinEnvs,
  EnvFactory,
  EnvRegistration,
  MakeEnvOptions,
  RegisterEnvOptions,
} from './registry.js';
export { EnvError } from './errors.js';
