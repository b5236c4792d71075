/**
 * The `impala-rl` command line (`train`, `eval`): argument parsing, presets, the commands and the checkpoint
 * evaluation they use. Not part of the package's root exports; the executable is `dist/cli.js`.
 *
 * @packageDocumentation
 */
export { CliUsageError } from './cli-usage-error.js';
export { PAPER_DEFAULTS, PAPER_PRESET, TRAIN_PRESETS, resolvePreset } from './presets.js';
export type { TrainPreset } from './presets.js';
export { addTrainOptions, defaultRunDir, parseTrainArgs, resolveTrainOptions } from './train-args.js';
export type { ParseTrainArgsOptions, ParsedTrainArgs, CliTrainConfig } from './train-args.js';
export { CONFIG_FILE, readSavedConfig, runTrainCommand } from './train-command.js';
export type { CliIo, RunTrainCommandOptions } from './train-command.js';
export { addEvalOptions, formatEvaluation, parseEvalArgs, resolveEvalOptions, runEvalCommand } from './eval-command.js';
export type { ParsedEvalArgs } from './eval-command.js';
export { evaluateCheckpoint, returnStats } from './evaluate.js';
export type { EvaluateOptions, EvaluateResult, ReturnStats } from './evaluate.js';
export { createProgressReporter, formatDuration, formatProgressLine, formatReturn } from './progress.js';
export type { ProgressReporter, ProgressReporterOptions, ProgressStream } from './progress.js';
export { USAGE_ERROR_EXIT_CODE, runCli } from './program.js';
