/**
 * A bridge to Python Gymnasium: any Gymnasium env, run in a Python subprocess, as an impala-rl `Env`. The
 * implementation is in `gymnasium/` (binary batched protocol, `GymnasiumBatch`); the Python side is the shipped
 * module `python/impala_rl_gym_bridge.py`.
 */
export { GymnasiumBatch, GymnasiumEnv } from './gymnasium/batch.js';
export type { GymnasiumBatchOptions, GymnasiumEnvOptions } from './gymnasium/batch.js';
export { ATARI_DEFAULTS, ATARI_OPTION_NAMES } from './gymnasium/atari-options.js';
export type { AtariOptions } from './gymnasium/atari-options.js';
