/**
 * The environment contract (Gymnasium's API in TypeScript): `Env`, spaces, a seedable generator, the usual
 * wrappers and a vectorised env. Concrete environments and the registry live in `src/envs/`.
 *
 * @packageDocumentation
 */
export type { Env, EnvSpec, Info, MaybePromise, ResetArgs, ResetResult, StepResult } from './types.js';
export { Rng } from './rng.js';
export { Box, Discrete, MultiDiscrete, makeBoxArray } from './spaces.js';
export type { AnySpace, BoxArray, BoxArrayTypes, BoxDtype, BoxOptions, BoxValue, Space, SpaceKind } from './spaces.js';
export { Wrapper } from './wrapper.js';
export { TimeLimit } from './time-limit.js';
export { RecordEpisodeStatistics } from './record-episode-statistics.js';
export type { EpisodeStatistics, RecordEpisodeStatisticsOptions } from './record-episode-statistics.js';
export { ClipReward } from './clip-reward.js';
export type { ClipRewardOptions } from './clip-reward.js';
export { FrameStack } from './frame-stack.js';
export type { FrameStackOptions } from './frame-stack.js';
export { NormalizeObservation } from './normalize-observation.js';
export type { NormalizeObservationOptions, RunningMeanStd } from './normalize-observation.js';
export { ActionRepeat } from './action-repeat.js';
export { VectorEnv } from './vector-env.js';
export type { VectorResetResult, VectorStepResult } from './vector-env.js';
