/**
 * Hyperparameter presets of the `impala-rl train` command: they live with the agent (src/agent/presets.ts)
 * so the library, the CLI and the benchmarks share one set.
 */
export { ATARI_PRESET, PAPER_DEFAULTS, PAPER_PRESET, presetFor, presetNameFor, resolvePreset, TRAIN_PRESETS } from '../agent/presets.js';
export type { TrainPreset } from '../agent/presets.js';
