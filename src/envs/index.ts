/**
 * Concrete environments (classic control ported from Gymnasium 1.3, a pixel maze) and the env registry.
 *
 * @packageDocumentation
 */
export { ClassicControlEnv } from './classic-control-env.js';
export type { ClassicControlOptions } from './classic-control-env.js';
export { CartPoleEnv } from './cartpole.js';
export type { CartPoleOptions } from './cartpole.js';
export { AcrobotEnv } from './acrobot.js';
export type { AcrobotOptions } from './acrobot.js';
export { MountainCarEnv } from './mountain-car.js';
export type { MountainCarOptions } from './mountain-car.js';
export { MazeEnv, MAZE_VARIANTS } from './maze-env.js';
export type { MazeOptions, MazeVariant, MazeVariantId } from './maze-env.js';
export { generateMaze } from './maze-layout.js';
export type { MazeLayout } from './maze-layout.js';
export { EnvRegistry, createEnvRegistry, makeEnv, registerEnv } from './registry.js';
export type {
  BuiltinEnvEntry,
  BuiltinEnvId,
  BuiltinEnvs,
  EnvFactory,
  EnvRegistration,
  MakeEnvOptions,
  RegisterEnvOptions,
} from './registry.js';
export { GymnasiumEnv } from './gymnasium-env.js';
export type { GymnasiumEnvOptions } from './gymnasium-env.js';
